import Foundation
import LifelineCore
import SQLKit

extension SQLStore: TokenStore {
    public func storedTokens(userID: UUID) async throws -> [StoredToken] {
        try await backend.read { db in
            try await db.raw("SELECT * FROM tokens WHERE user_id = \(bind: Row.id(userID)) ORDER BY created_at, id").all().map(Self.storedToken(from:))
        }
    }

    public func userAndTokens(tenantID: UUID, username: String) async throws -> (user: User, tokens: [StoredToken])? {
        // Why one statement: a validation is the hottest path, and every statement costs a round trip to the
        // database thread. The token columns come prefixed with t_ (both tables have id, tenant_id, created_at).
        try await backend.read { db in
            let rows = try await db.raw("""
                SELECT u.*, \(unsafeRaw: Self.prefixedTokenColumns) FROM users u LEFT JOIN tokens t ON t.user_id = u.id
                WHERE u.tenant_id = \(bind: Row.id(tenantID)) AND u.username_key = \(bind: Validation.usernameKey(username))
                ORDER BY t.created_at, t.id
                """).all()
            guard let first = rows.first else { return nil }
            let user = try Self.user(from: first)
            let tokens = try rows.filter { try !$0.decodeNil(column: "t_id") }.map { try Self.storedToken(from: PrefixedRow(base: $0, prefix: "t_")) }
            return (user, tokens)
        }
    }

    /// The columns of `tokens` that ``storedToken(from:)`` reads, selected from `t` as `t_<column>`.
    static let prefixedTokenColumns = ["id", "tenant_id", "user_id", "type", "algorithm", "digits", "period", "state", "fail_count",
                                       "max_fail", "drift", "counter", "last_used", "label", "secret", "created_at", "throttled_until",
                                       "pin_verifier", "pin_fail_count"]
        .map { "t.\($0) AS t_\($0)" }.joined(separator: ", ")

    public func storedToken(id: UUID, tenantID: UUID) async throws -> StoredToken? {
        try await backend.read { db in
            try await db.raw("SELECT * FROM tokens WHERE id = \(bind: Row.id(id)) AND tenant_id = \(bind: Row.id(tenantID))").first().map(Self.storedToken(from:))
        }
    }

    public func tokens(tenantID: UUID, userID: UUID?) async throws -> [Token] {
        try await backend.read { db in
            let rows: [any SQLRow]
            if let userID {
                rows = try await db.raw("SELECT * FROM tokens WHERE tenant_id = \(bind: Row.id(tenantID)) AND user_id = \(bind: Row.id(userID)) ORDER BY created_at, id").all()
            } else {
                rows = try await db.raw("SELECT * FROM tokens WHERE tenant_id = \(bind: Row.id(tenantID)) ORDER BY created_at, id").all()
            }
            return try rows.map { try Self.storedToken(from: $0).token }
        }
    }

    public func consume(tokenID: UUID, step: Int64, drift: Int64, seenFailCount: Int, now: Date, audit: AuditRecord) async throws -> Bool {
        try await backend.write(lane: audit.chain) { db in
            // The single-use guard: one conditional UPDATE. Whatever the number of concurrent requests, only one
            // finds last_used below `step`; the others match no row. HOTP's next counter follows the used one.
            // The fail counter must still be the one the check read, and the token not throttled: a guess that raced a
            // failure recorded meanwhile does not count (TokenStore.consume). A blocked PIN accepts nothing, and an accept
            // clears the PIN's counter.
            try await self.changeThenAudit("""
                UPDATE tokens SET last_used = \(bind: step), drift = \(bind: drift), fail_count = 0, throttled_until = NULL,
                  counter = CASE WHEN type = 'hotp' THEN \(bind: step + 1) ELSE counter END, pin_fail_count = 0
                WHERE id = \(bind: Row.id(tokenID)) AND state = 'active' AND (last_used IS NULL OR last_used < \(bind: step))
                  AND (pin_verifier IS NULL OR pin_fail_count < \(bind: Int64(TokenPIN.maxFailures)))
                  AND fail_count = \(bind: Int64(seenFailCount)) AND (throttled_until IS NULL OR throttled_until <= \(bind: Row.millis(now)))
                RETURNING id
                """, audit: audit, in: db)
        }
    }

    public func recordFailure(_ failures: [TokenFailure], audit: AuditRecord) async throws {
        try await backend.write(lane: audit.chain) { db in
            for f in failures { try await Self.addFailure(f, in: db) }
            try await self.appendAudit(audit, in: db)
        }
    }

    /// Stores one failure (compare-and-set on the fail counter the check read).
    static func addFailure(_ f: TokenFailure, in db: any SQLDatabase) async throws {
        if f.wrongPIN {
            // Why an increment capped at the limit and not a compare-and-set: concurrent wrong PINs each count until the
            // PIN is blocked, so a burst gets no more PIN guesses than the limit (TokenStore.recordFailure).
            try await db.raw("""
                UPDATE tokens SET pin_fail_count = pin_fail_count + 1
                WHERE id = \(bind: Row.id(f.tokenID)) AND state = 'active' AND pin_verifier IS NOT NULL
                  AND pin_fail_count < \(bind: Int64(TokenPIN.maxFailures))
                """).run()
            return
        }
        // Why a lock only at max_fail (≤ 100 consecutive failures, NIST SP 800-63B-4 §3.2.2) and a throttle before it:
        // the validation service computed both from the counter it read; the comparison makes a stale read a no-op.
        try await db.raw("""
            UPDATE tokens SET fail_count = \(bind: Int64(f.seenFailCount) + 1), throttled_until = \(bind: f.throttledUntil.map(Row.millis)),
              state = CASE WHEN \(bind: Int64(f.lock ? 1 : 0)) = 1 THEN 'locked' ELSE state END
            WHERE id = \(bind: Row.id(f.tokenID)) AND state = 'active' AND fail_count = \(bind: Int64(f.seenFailCount))
            """).run()
    }

    public func resync(tokenID: UUID, step: Int64, drift: Int64, audit: AuditRecord) async throws -> Bool {
        try await backend.write(lane: audit.chain) { db in
            try await self.changeThenAudit("""
                UPDATE tokens SET last_used = \(bind: step), drift = \(bind: drift),
                  counter = CASE WHEN type = 'hotp' THEN \(bind: step + 1) ELSE counter END
                WHERE id = \(bind: Row.id(tokenID)) AND (last_used IS NULL OR last_used < \(bind: step))
                RETURNING id
                """, audit: audit, in: db)
        }
    }

    public func setPIN(tokenID: UUID, tenantID: UUID, pin: TokenPINVerifier?, audit: AuditRecord) async throws -> Token? {
        try await backend.write(lane: audit.chain) { db in
            guard let row = try await db.raw("""
                UPDATE tokens SET pin_verifier = \(bind: pin?.text), pin_fail_count = 0
                WHERE id = \(bind: Row.id(tokenID)) AND tenant_id = \(bind: Row.id(tenantID))
                RETURNING *
                """).first() else { return nil }
            try await self.appendAudit(audit, in: db)
            return try Self.storedToken(from: row).token
        }
    }

    public func deleteToken(id: UUID, tenantID: UUID, audit: AuditRecord) async throws -> Bool {
        try await backend.write(lane: audit.chain) { db in
            try await self.changeThenAudit("DELETE FROM tokens WHERE id = \(bind: Row.id(id)) AND tenant_id = \(bind: Row.id(tenantID)) RETURNING id", audit: audit, in: db)
        }
    }

    public func sealedSecrets() async throws -> [(id: UUID, secret: SealedSecret)] {
        try await backend.read { db in
            try await db.raw("SELECT id, secret FROM tokens ORDER BY id").all().map { row in
                guard let s = SealedSecret(text: try row.decode(column: "secret", as: String.self)) else {
                    throw LifelineError(.integrity, "a token secret is not in sealed form")
                }
                return (try Row.uuid(row, "id"), s)
            }
        }
    }

    public func reseal(tokenID: UUID, old: SealedSecret, new: SealedSecret) async throws -> Bool {
        try await backend.write { db in
            try await db.raw("""
                UPDATE tokens SET secret = \(bind: new.text) WHERE id = \(bind: Row.id(tokenID)) AND secret = \(bind: old.text) RETURNING id
                """).first() != nil
        }
    }

    static func insert(token s: StoredToken, in db: any SQLDatabase) async throws {
        let t = s.token
        try await db.raw("""
            INSERT INTO tokens (id, tenant_id, user_id, type, algorithm, digits, period, state, fail_count, max_fail, drift,
              counter, last_used, label, secret, created_at, pin_verifier, pin_fail_count)
            VALUES (\(bind: Row.id(t.id)), \(bind: Row.id(t.tenantID)), \(bind: Row.id(t.userID)), \(bind: t.type.rawValue),
              \(bind: t.algorithm.rawValue), \(bind: Int64(t.digits)), \(bind: t.period.map(Int64.init)), \(bind: t.state.rawValue),
              \(bind: Int64(t.failCount)), \(bind: Int64(t.maxFail)), \(bind: t.drift), \(bind: t.counter), \(bind: t.lastUsed),
              \(bind: t.label), \(bind: s.secret.text), \(bind: Row.millis(t.createdAt)), \(bind: s.pin?.text),
              \(bind: Int64(t.pinFailCount)))
            """).run()
    }

    static func storedToken(from row: any SQLRow) throws -> StoredToken {
        let period = try row.decodeNil(column: "period") ? nil : Int(try row.decode(column: "period", as: Int64.self))
        let lastUsed = try row.decodeNil(column: "last_used") ? nil : try row.decode(column: "last_used", as: Int64.self)
        let throttledUntil = try row.decodeNil(column: "throttled_until") ? nil : Row.date(try row.decode(column: "throttled_until", as: Int64.self))
        let token = Token(
            id: try Row.uuid(row, "id"), tenantID: try Row.uuid(row, "tenant_id"), userID: try Row.uuid(row, "user_id"),
            type: try Row.enumValue(row, "type", as: TokenType.self), algorithm: try Row.enumValue(row, "algorithm", as: OTPAlgorithm.self),
            digits: Int(try row.decode(column: "digits", as: Int64.self)), period: period,
            state: try Row.enumValue(row, "state", as: TokenState.self), failCount: Int(try row.decode(column: "fail_count", as: Int64.self)),
            maxFail: Int(try row.decode(column: "max_fail", as: Int64.self)), drift: try row.decode(column: "drift", as: Int64.self),
            counter: try row.decode(column: "counter", as: Int64.self), lastUsed: lastUsed, label: try row.decode(column: "label", as: String.self),
            createdAt: Row.date(try row.decode(column: "created_at", as: Int64.self)), throttledUntil: throttledUntil,
            pinFailCount: Int(try row.decode(column: "pin_fail_count", as: Int64.self)))
        guard let secret = SealedSecret(text: try row.decode(column: "secret", as: String.self)) else {
            throw LifelineError(.integrity, "a token secret is not in sealed form")
        }
        var pin: TokenPINVerifier? = nil
        if try !row.decodeNil(column: "pin_verifier") {
            guard let v = TokenPINVerifier(text: try row.decode(column: "pin_verifier", as: String.self)) else {
                throw LifelineError(.integrity, "a token PIN verifier is not in its stored form")
            }
            pin = v
        }
        return StoredToken(token: token, secret: secret, pin: pin)
    }
}

/// A row whose columns are read under a prefix (`decode(column: "id")` reads `t_id`), for joined queries whose tables
/// share column names.
struct PrefixedRow: SQLRow {
    let base: any SQLRow
    let prefix: String

    var allColumns: [String] { base.allColumns.filter { $0.hasPrefix(prefix) }.map { String($0.dropFirst(prefix.count)) } }
    func contains(column: String) -> Bool { base.contains(column: prefix + column) }
    func decodeNil(column: String) throws -> Bool { try base.decodeNil(column: prefix + column) }
    func decode<D: Decodable>(column: String, as type: D.Type) throws -> D { try base.decode(column: prefix + column, as: type) }
}
