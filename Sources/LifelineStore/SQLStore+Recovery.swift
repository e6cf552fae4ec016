import Foundation
import LifelineCore
import LifelineJSON
import SQLKit

extension SQLStore: RecoveryStore {
    static let flowEncoder: JSONEncoder = {
        let e = JSONEncoder(); e.outputFormatting = [.sortedKeys]; e.dateEncodingStrategy = .millisecondsSince1970; return e
    }()
    /// The flow state's encoder: the JSON that `JSONEncoder` with `.millisecondsSince1970` writes (``flowDecoder`` reads
    /// it), several times faster, and without sorted keys (unlike ``flowEncoder``, whose configuration text is compared to
    /// see whether it changed), since the state is only ever decoded.
    static let flowStateEncoder = FastJSONEncoder(dates: .millisecondsSince1970)
    static let flowDecoder: JSONDecoder = {
        let d = JSONDecoder(); d.dateDecodingStrategy = .millisecondsSince1970; return d
    }()

    public func recoveryConfig(tenantID: UUID) async throws -> RecoveryConfig? {
        try await recoveryConfigs.value(for: Row.id(tenantID)) {
            let text = try await backend.read { db in
                try await db.raw("SELECT document FROM recovery_configs WHERE tenant_id = \(bind: Row.id(tenantID))").first()
                    .map { try $0.decode(column: "document", as: String.self) }
            }
            guard let text else { return nil }
            do { return try Self.flowDecoder.decode(RecoveryConfig.self, from: Data(text.utf8)) } catch {
                throw LifelineError(.integrity, "the stored recovery configuration cannot be read")
            }
        }
    }

    public func putRecoveryConfig(tenantID: UUID, config: RecoveryConfig, audit: AuditRecord) async throws -> Bool {
        let text = String(decoding: try Self.flowEncoder.encode(config), as: UTF8.self)
        defer { recoveryConfigs.remove(Row.id(tenantID)) }
        return try await backend.write(lane: audit.chain) { db in
            let old = try await db.raw("SELECT document FROM recovery_configs WHERE tenant_id = \(bind: Row.id(tenantID))").first()
                .map { try $0.decode(column: "document", as: String.self) }
            if old == text { return false }
            try await db.raw("""
                INSERT INTO recovery_configs (tenant_id, document, updated_at) VALUES (\(bind: Row.id(tenantID)), \(bind: text), \(bind: Row.millis(audit.time)))
                ON CONFLICT (tenant_id) DO UPDATE SET document = excluded.document, updated_at = excluded.updated_at
                """).run()
            try await self.appendAudit(audit, in: db)
            return true
        }
    }

    public func setAnswers(userID: UUID, hashes: [String: String], audit: AuditRecord) async throws {
        try await backend.write(lane: audit.chain) { db in
            try await db.raw("DELETE FROM security_answers WHERE user_id = \(bind: Row.id(userID))").run()
            for (q, h) in hashes.sorted(by: { $0.key < $1.key }) {
                try await db.raw("INSERT INTO security_answers (user_id, question_id, hash) VALUES (\(bind: Row.id(userID)), \(bind: q), \(bind: h))").run()
            }
            try await self.appendAudit(audit, in: db)
        }
    }

    public func recoverySubject(tenantID: UUID, usernameKey: String) async throws -> RecoverySubject {
        // One row always: the users row is LEFT JOINed to a one-row table, and contacts, questions and TOTP tokens are
        // aggregated in subqueries. Values are joined by a newline, which no stored phone number, address or question id
        // contains. Why no ORDER BY inside the aggregate, and the contacts sorted here instead: that needs SQLite 3.44,
        // and the system SQLite of Debian 12 is 3.40 (its group_concat is PostgreSQL's string_agg, in no set order).
        let sep = "\n"
        let concat: SQLQueryString = backend.kind == .sqlite ? "group_concat" : "string_agg"
        return try await backend.read { db in
            guard let row = try await db.raw("""
                SELECT u.id AS id, u.status AS status,
                  (SELECT \(concat)(c.created_at || ':' || c.id || ':' || c.kind || ':' || c.value, \(bind: sep)) FROM contacts c
                    WHERE c.user_id = u.id AND c.verified = 1) AS contacts,
                  (SELECT \(concat)(a.question_id, \(bind: sep)) FROM security_answers a
                    WHERE a.user_id = u.id) AS questions,
                  (SELECT COUNT(*) FROM tokens t WHERE t.user_id = u.id AND t.type = 'totp' AND t.state <> 'disabled') AS totp
                FROM (SELECT 1 AS one) k
                LEFT JOIN users u ON u.tenant_id = \(bind: Row.id(tenantID)) AND u.username_key = \(bind: usernameKey)
                """).first() else {
                throw LifelineError(.internalError, "the recovery subject query returned no row")
            }
            func list(_ column: String) throws -> [String] {
                try row.decodeNil(column: column) ? [] : try row.decode(column: column, as: String.self).split(separator: "\n").map(String.init)
            }
            // created_at:id:kind:value, in the order the contacts were added (created_at, then id).
            let contacts: [[String]] = try list("contacts").compactMap { line in
                let fields = line.split(separator: ":", maxSplits: 3).map(String.init)
                guard fields.count == 4, let createdAt = Int64(fields[0]) else { return nil }
                return (createdAt, fields[1], [fields[2], fields[3]])
            }.sorted { (a: (Int64, String, [String]), b: (Int64, String, [String])) in (a.0, a.1) < (b.0, b.1) }.map(\.2)
            let userID = try row.decodeNil(column: "id") ? nil : try Row.uuid(row, "id")
            let active = try userID != nil && Row.enumValue(row, "status", as: UserStatus.self) == .active
            return RecoverySubject(userID: userID, active: active,
                                   verifiedPhones: contacts.filter { $0.first == ContactKind.phone.rawValue }.compactMap { $0.last },
                                   verifiedEmails: contacts.filter { $0.first == ContactKind.email.rawValue }.compactMap { $0.last },
                                   answeredQuestions: Set(try list("questions")),
                                   hasActiveTOTP: try row.decode(column: "totp", as: Int64.self) > 0)
        }
    }

    public func answerHashes(userID: UUID) async throws -> [String: String] {
        try await backend.read { db in
            var out: [String: String] = [:]
            for row in try await db.raw("SELECT question_id, hash FROM security_answers WHERE user_id = \(bind: Row.id(userID))").all() {
                out[try row.decode(column: "question_id", as: String.self)] = try row.decode(column: "hash", as: String.self)
            }
            return out
        }
    }

    public func insertFlow(_ flow: RecoveryFlow, outbox: [OutboxMessage], audit: [AuditRecord], counters: [CounterIncrement]) async throws {
        let state = try Self.flowStateEncoder.encodeString(flow)
        let id = Row.id(flow.id)
        try await backend.write(lane: audit.first?.chain ?? AuditChain.globalChain) { db in
            try await db.raw("""
                INSERT INTO recovery_flows (id, tenant_id, expires_at, version, state)
                VALUES (\(bind: id), \(bind: Row.id(flow.tenantID)), \(bind: Row.millis(flow.expiresAt)), \(bind: flow.version), \(bind: state))
                """).run()
            try await self.writeSideEffects(outbox: outbox, audit: audit, counters: counters, now: flow.createdAt, in: db)
        }
        flowStates.put(id, flow)
    }

    public func flow(id: UUID) async throws -> RecoveryFlow? {
        let key = Row.id(id)
        let cached = flowStates.cached(key)
        // The state only when the row is not at the cached version (then the cached flow is what the row holds).
        let row = try await backend.read { db in
            try await db.raw("""
                SELECT version, CASE WHEN version = \(bind: cached?.version ?? -1) THEN NULL ELSE state END AS state
                FROM recovery_flows WHERE id = \(bind: key)
                """).first()
        }
        guard let row else {
            if cached != nil { flowStates.remove(key) }
            return nil
        }
        do {
            let version = try row.decode(column: "version", as: Int64.self)
            if let cached, cached.version == version, try row.decodeNil(column: "state") { return cached }
            var flow = try Self.flowDecoder.decode(RecoveryFlow.self, from: Data(try row.decode(column: "state", as: String.self).utf8))
            flow.version = version
            return flow
        } catch {
            throw LifelineError(.integrity, "a stored recovery flow cannot be read")
        }
    }

    public func updateFlow(_ flow: RecoveryFlow, outbox: [OutboxMessage], audit: [AuditRecord], counters: [CounterIncrement],
                           refund: GuessCharge?) async throws -> Bool {
        var next = flow
        next.version += 1
        let state = try Self.flowStateEncoder.encodeString(next)
        let expires = Row.millis(next.expiresAt)
        let now = audit.first?.time ?? Date()
        let id = Row.id(flow.id)
        let updated = try await backend.write(lane: audit.first?.chain ?? AuditChain.globalChain) { db in
            // The compare-and-set: one statement, so concurrent submissions on one flow take effect exactly once.
            let updated = try await db.raw("""
                UPDATE recovery_flows SET state = \(bind: state), version = version + 1, expires_at = \(bind: expires)
                WHERE id = \(bind: id) AND version = \(bind: flow.version) RETURNING id
                """).first()
            guard updated != nil else { return false }
            try await self.writeSideEffects(outbox: outbox, audit: audit, counters: counters, now: now, in: db)
            if let refund { try await self.refundGuess(refund, in: db) }
            return true
        }
        if updated { flowStates.put(id, next) }
        return updated
    }

    public func counter(_ key: String) async throws -> (count: Int, updatedAt: Date?) {
        try await backend.read { db in
            guard let row = try await db.raw("SELECT count, updated_at FROM counters WHERE key = \(bind: key)").first() else { return (0, nil) }
            return (Int(try row.decode(column: "count", as: Int64.self)), Row.date(try row.decode(column: "updated_at", as: Int64.self)))
        }
    }

    public func purgeRecovery(before cutoff: Date, budgetForgiveAfter: Int) async throws -> Int {
        try await backend.write { db in
            let rows = try await db.raw("DELETE FROM recovery_flows WHERE expires_at < \(bind: Row.millis(cutoff)) RETURNING id").all()
            try await db.raw("DELETE FROM counters WHERE updated_at < \(bind: Row.millis(cutoff))").run()
            try await db.raw("DELETE FROM budget_passes WHERE expires_at < \(bind: Row.millis(cutoff))").run()
            // Only budgets that have forgiven every failure and hold no running pause: a purge must never give an
            // attacker a fresh budget early.
            try await db.raw("""
                DELETE FROM guess_budgets WHERE decay_from + failures * \(bind: Int64(budgetForgiveAfter) * 1000) < \(bind: Row.millis(cutoff))
                  AND (paused_until IS NULL OR paused_until < \(bind: Row.millis(cutoff)))
                """).run()
            return rows.count
        }
    }

    /// Outbox rows, audit events and counter increments of a flow change, inside its transaction.
    func writeSideEffects(outbox: [OutboxMessage], audit: [AuditRecord], counters: [CounterIncrement], now: Date, in db: any SQLDatabase) async throws {
        for m in outbox { try await Self.insert(message: m, in: db) }
        for c in counters {
            // The limit is in the statement: the conflict row is locked and re-read (PostgreSQL) or the writer is
            // alone (SQLite), so the check and the increment are one atomic step (issue 13 item 7).
            let limit = Int64(c.limit ?? Int(Int32.max))
            let row = try await db.raw("""
                INSERT INTO counters (key, count, updated_at) VALUES (\(bind: c.key), 1, \(bind: Row.millis(now)))
                ON CONFLICT (key) DO UPDATE SET count = counters.count + 1, updated_at = excluded.updated_at
                WHERE counters.count < \(bind: limit)
                RETURNING count
                """).first()
            if row == nil || limit < 1 { throw CounterLimitReached(key: c.key) }
        }
        for r in audit { try await appendAudit(r, in: db) }
    }
}
