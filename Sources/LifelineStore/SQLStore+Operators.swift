import Foundation
import LifelineCore
import SQLKit

extension SQLStore: OperatorStore {
    public func insertOperator(_ op: Operator, enrolment: OperatorEnrolment?, audit: AuditRecord) async throws {
        try await backend.write(lane: audit.chain) { db in
            let inserted = try await db.raw("""
                INSERT INTO operators (id, name, role, tenant_ids, state, password_hash, totp_secret, last_totp_step, fail_count,
                  throttled_until, created_at, created_by)
                VALUES (\(bind: Row.id(op.id)), \(bind: op.name), \(bind: op.role.rawValue), \(bind: Self.tenantList(op.tenantIDs)),
                  \(bind: op.state.rawValue), \(bind: op.passwordHash), \(bind: op.totpSecret?.text), \(bind: op.lastTOTPStep),
                  \(bind: Int64(op.failCount)), \(bind: op.throttledUntil.map(Row.millis)), \(bind: Row.millis(op.createdAt)), \(bind: op.createdBy))
                ON CONFLICT DO NOTHING RETURNING id
                """).first()
            guard inserted != nil else { throw LifelineError(.conflict, "an operator named '\(op.name)' exists") }
            if let enrolment { try await Self.insert(enrolment: enrolment, in: db) }
            try await self.appendAudit(audit, in: db)
        }
    }

    public func operatorRecord(named name: String) async throws -> Operator? {
        try await backend.read { db in
            try await db.raw("SELECT * FROM operators WHERE name = \(bind: name)").first().map(Self.operatorRecord(from:))
        }
    }

    public func operatorRecord(id: UUID) async throws -> Operator? {
        try await backend.read { db in
            try await db.raw("SELECT * FROM operators WHERE id = \(bind: Row.id(id))").first().map(Self.operatorRecord(from:))
        }
    }

    public func operatorRecords() async throws -> [Operator] {
        try await backend.read { db in try await db.raw("SELECT * FROM operators ORDER BY name").all().map(Self.operatorRecord(from:)) }
    }

    public func updateOperator(_ op: Operator, endSessions: Bool, enrolment: OperatorEnrolment?, audit: AuditRecord) async throws {
        try await backend.write(lane: audit.chain) { db in
            let changed = try await db.raw("""
                UPDATE operators SET role = \(bind: op.role.rawValue), tenant_ids = \(bind: Self.tenantList(op.tenantIDs)),
                  state = \(bind: op.state.rawValue), password_hash = \(bind: op.passwordHash), totp_secret = \(bind: op.totpSecret?.text)
                WHERE id = \(bind: Row.id(op.id)) RETURNING id
                """).first()
            guard changed != nil else { throw LifelineError(.notFound, "no such operator") }
            if endSessions {
                try await db.raw("DELETE FROM operator_sessions WHERE operator_id = \(bind: Row.id(op.id))").run()
                try await db.raw("DELETE FROM operator_enrolments WHERE operator_id = \(bind: Row.id(op.id))").run()
            }
            if let enrolment { try await Self.insert(enrolment: enrolment, in: db) }
            try await self.appendAudit(audit, in: db)
        }
    }

    public func enrolment(tokenHash: String) async throws -> OperatorEnrolment? {
        try await backend.read { db in
            try await db.raw("SELECT * FROM operator_enrolments WHERE token_hash = \(bind: tokenHash)").first().map { row in
                OperatorEnrolment(tokenHash: try row.decode(column: "token_hash", as: String.self), operatorID: try Row.uuid(row, "operator_id"),
                                  createdAt: Row.date(try row.decode(column: "created_at", as: Int64.self)),
                                  expiresAt: Row.date(try row.decode(column: "expires_at", as: Int64.self)))
            }
        }
    }

    public func completeEnrolment(tokenHash: String, operatorID: UUID, passwordHash: String, step: Int64, now: Date, audit: AuditRecord) async throws -> Bool {
        try await backend.write(lane: audit.chain) { db in
            // The single-use guard of the link: one DELETE … RETURNING. Of concurrent requests with the same link only one
            // deletes the row (PostgreSQL: the others wait on its row lock and then find it gone); they change nothing.
            guard try await db.raw("""
                DELETE FROM operator_enrolments WHERE token_hash = \(bind: tokenHash) AND operator_id = \(bind: Row.id(operatorID))
                  AND expires_at > \(bind: Row.millis(now)) RETURNING token_hash
                """).first() != nil else { return false }
            let activated = try await db.raw("""
                UPDATE operators SET state = 'active', password_hash = \(bind: passwordHash), last_totp_step = \(bind: step),
                  fail_count = 0, throttled_until = NULL
                WHERE id = \(bind: Row.id(operatorID)) AND state = 'pending' RETURNING id
                """).first()
            // A pending operator only: one disabled meanwhile stays disabled (the transaction rolls back, the link stays).
            guard activated != nil else { throw LifelineError(.notFound, "this enrolment link is unknown, used or expired") }
            try await self.appendAudit(audit, in: db)
            return true
        }
    }

    public func startSession(_ s: OperatorSession, step: Int64, seenFailCount: Int, now: Date, audit: AuditRecord) async throws -> Bool {
        try await backend.write(lane: audit.chain) { db in
            guard try await Self.useStep(operatorID: s.operatorID, step: step, seenFailCount: seenFailCount, now: now, in: db) else { return false }
            try await db.raw("""
                INSERT INTO operator_sessions (id, token_hash, operator_id, created_at, last_seen_at, reauth_at, source, user_agent)
                VALUES (\(bind: Row.id(s.id)), \(bind: s.tokenHash), \(bind: Row.id(s.operatorID)), \(bind: Row.millis(s.createdAt)),
                  \(bind: Row.millis(s.lastSeenAt)), \(bind: s.reauthAt.map(Row.millis)), \(bind: s.source), \(bind: s.userAgent))
                """).run()
            try await self.appendAudit(audit, in: db)
            return true
        }
    }

    public func recordOperatorFailure(operatorID: UUID, seenFailCount: Int, throttledUntil: Date?, audit: AuditRecord) async throws {
        try await backend.write(lane: audit.chain) { db in
            // A compare-and-set on the counter the check read: concurrent guesses against one stored state count once.
            try await db.raw("""
                UPDATE operators SET fail_count = \(bind: Int64(seenFailCount) + 1), throttled_until = \(bind: throttledUntil.map(Row.millis))
                WHERE id = \(bind: Row.id(operatorID)) AND fail_count = \(bind: Int64(seenFailCount))
                """).run()
            try await self.appendAudit(audit, in: db)
        }
    }

    public func reauthenticate(sessionID: UUID, operatorID: UUID, step: Int64, seenFailCount: Int, now: Date, audit: AuditRecord) async throws -> Bool {
        try await backend.write(lane: audit.chain) { db in
            guard try await Self.useStep(operatorID: operatorID, step: step, seenFailCount: seenFailCount, now: now, in: db) else { return false }
            guard try await db.raw("""
                UPDATE operator_sessions SET reauth_at = \(bind: Row.millis(now))
                WHERE id = \(bind: Row.id(sessionID)) AND operator_id = \(bind: Row.id(operatorID)) RETURNING id
                """).first() != nil else { throw LifelineError(.notFound, "no such session") }
            try await self.appendAudit(audit, in: db)
            return true
        }
    }

    public func session(tokenHash: String) async throws -> OperatorSession? {
        try await backend.read { db in
            try await db.raw("SELECT * FROM operator_sessions WHERE token_hash = \(bind: tokenHash)").first().map(Self.session(from:))
        }
    }

    public func touchSession(id: UUID, at: Date) async throws {
        try await backend.write { db in
            try await db.raw("""
                UPDATE operator_sessions SET last_seen_at = \(bind: Row.millis(at)) WHERE id = \(bind: Row.id(id)) AND last_seen_at < \(bind: Row.millis(at))
                """).run()
        }
    }

    public func sessions(operatorID: UUID) async throws -> [OperatorSession] {
        try await backend.read { db in
            try await db.raw("SELECT * FROM operator_sessions WHERE operator_id = \(bind: Row.id(operatorID)) ORDER BY created_at DESC, id")
                .all().map(Self.session(from:))
        }
    }

    public func deleteSession(id: UUID, operatorID: UUID, audit: AuditRecord?) async throws -> Bool {
        try await backend.write(lane: audit?.chain ?? "") { db in
            guard try await db.raw("""
                DELETE FROM operator_sessions WHERE id = \(bind: Row.id(id)) AND operator_id = \(bind: Row.id(operatorID)) RETURNING id
                """).first() != nil else { return false }
            if let audit { try await self.appendAudit(audit, in: db) }
            return true
        }
    }

    public func deleteExpiredSessions(operatorID: UUID, now: Date) async throws {
        let idle = Row.millis(now.addingTimeInterval(-OperatorSession.idleTimeout))
        let absolute = Row.millis(now.addingTimeInterval(-OperatorSession.absoluteTimeout))
        try await backend.write { db in
            try await db.raw("""
                DELETE FROM operator_sessions WHERE operator_id = \(bind: Row.id(operatorID))
                  AND (last_seen_at <= \(bind: idle) OR created_at <= \(bind: absolute))
                """).run()
        }
    }

    // MARK: rows

    /// The single-use guard of a TOTP step: one conditional UPDATE, so of any number of concurrent logins or
    /// re-authentications with the same code exactly one finds `last_totp_step` below `step`. Also the operator must be
    /// active, unthrottled, and its fail counter the one the check read (a guess racing a recorded failure does not count).
    static func useStep(operatorID: UUID, step: Int64, seenFailCount: Int, now: Date, in db: any SQLDatabase) async throws -> Bool {
        try await db.raw("""
            UPDATE operators SET last_totp_step = \(bind: step), fail_count = 0, throttled_until = NULL
            WHERE id = \(bind: Row.id(operatorID)) AND state = 'active' AND (last_totp_step IS NULL OR last_totp_step < \(bind: step))
              AND fail_count = \(bind: Int64(seenFailCount)) AND (throttled_until IS NULL OR throttled_until <= \(bind: Row.millis(now)))
            RETURNING id
            """).first() != nil
    }

    static func insert(enrolment e: OperatorEnrolment, in db: any SQLDatabase) async throws {
        try await db.raw("""
            INSERT INTO operator_enrolments (token_hash, operator_id, created_at, expires_at)
            VALUES (\(bind: e.tokenHash), \(bind: Row.id(e.operatorID)), \(bind: Row.millis(e.createdAt)), \(bind: Row.millis(e.expiresAt)))
            """).run()
    }

    static func tenantList(_ ids: Set<UUID>) -> String { ids.map(Row.id).sorted().joined(separator: ",") }

    static func operatorRecord(from row: any SQLRow) throws -> Operator {
        let tenants = try row.decode(column: "tenant_ids", as: String.self).split(separator: ",").map { part in
            guard let id = Row.parseID(String(part)) else { throw LifelineError(.integrity, "an operator's tenant_ids holds no UUID") }
            return id
        }
        var secret: SealedSecret? = nil
        if let text = try row.decode(column: "totp_secret", as: String?.self) {
            guard let s = SealedSecret(text: text) else { throw LifelineError(.integrity, "an operator's TOTP secret is not in sealed form") }
            secret = s
        }
        return Operator(id: try Row.uuid(row, "id"), name: try row.decode(column: "name", as: String.self),
                        role: try Row.enumValue(row, "role", as: Role.self), tenantIDs: Set(tenants),
                        state: try Row.enumValue(row, "state", as: OperatorState.self),
                        passwordHash: try row.decode(column: "password_hash", as: String?.self), totpSecret: secret,
                        lastTOTPStep: try row.decode(column: "last_totp_step", as: Int64?.self),
                        failCount: Int(try row.decode(column: "fail_count", as: Int64.self)),
                        throttledUntil: try row.decode(column: "throttled_until", as: Int64?.self).map(Row.date),
                        createdAt: Row.date(try row.decode(column: "created_at", as: Int64.self)),
                        createdBy: try row.decode(column: "created_by", as: String.self))
    }

    static func session(from row: any SQLRow) throws -> OperatorSession {
        OperatorSession(id: try Row.uuid(row, "id"), tokenHash: try row.decode(column: "token_hash", as: String.self),
                        operatorID: try Row.uuid(row, "operator_id"),
                        createdAt: Row.date(try row.decode(column: "created_at", as: Int64.self)),
                        lastSeenAt: Row.date(try row.decode(column: "last_seen_at", as: Int64.self)),
                        reauthAt: try row.decode(column: "reauth_at", as: Int64?.self).map(Row.date),
                        source: try row.decode(column: "source", as: String.self), userAgent: try row.decode(column: "user_agent", as: String.self))
    }
}
