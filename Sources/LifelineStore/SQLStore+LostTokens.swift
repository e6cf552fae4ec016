import Foundation
import LifelineCore
import SQLKit

/// Lost tokens' records (migration 23). Every write is a step of the core's unit of work (SQLStore+Transaction), run
/// inside its transaction; the rules are the core's (``LostTokenRules``).
extension SQLStore: LostTokenStore {
    public func lostToken(tokenID: UUID) async throws -> LostToken? {
        try await backend.read { db in
            try await db.raw("SELECT * FROM lost_tokens WHERE token_id = \(bind: Row.id(tokenID))").first().map(Self.lostToken(from:))
        }
    }

    public func lostTokens(userID: UUID) async throws -> [LostToken] {
        try await backend.read { db in
            try await db.raw("SELECT * FROM lost_tokens WHERE user_id = \(bind: Row.id(userID)) ORDER BY created_at, token_id")
                .all().map(Self.lostToken(from:))
        }
    }

    // MARK: the steps of the unit of work

    /// ``UnitOfWork/Operation/markTokenLost(_:)``: the conditional disable, then the record (only if it disabled).
    static func markTokenLost(_ lost: LostToken, in db: any SQLDatabase) async throws -> Token? {
        // The single-mark guard: one conditional UPDATE. Concurrent marks queue on the token's row (PostgreSQL re-checks
        // the WHERE clause on the row as the previous writer left it; SQLite runs one writer at a time), so exactly one
        // finds it active or locked.
        let row = try await db.raw("""
            UPDATE tokens SET state = 'disabled'
            WHERE id = \(bind: Row.id(lost.tokenID)) AND tenant_id = \(bind: Row.id(lost.tenantID)) AND state IN ('active', 'locked')
            RETURNING *
            """).first()
        guard let row else { return nil }
        try await db.raw("""
            INSERT INTO lost_tokens (token_id, tenant_id, user_id, code_hash, key_id, created_at, expires_at, ended_at, ended_reason,
              fail_count, pin_fail_count)
            VALUES (\(bind: Row.id(lost.tokenID)), \(bind: Row.id(lost.tenantID)), \(bind: Row.id(lost.userID)), \(bind: lost.codeHash),
              \(bind: lost.keyID), \(bind: Row.millis(lost.createdAt)), \(bind: Row.millis(lost.expiresAt)), NULL, NULL, 0, 0)
            ON CONFLICT (token_id) DO UPDATE SET tenant_id = excluded.tenant_id, user_id = excluded.user_id,
              code_hash = excluded.code_hash, key_id = excluded.key_id, created_at = excluded.created_at,
              expires_at = excluded.expires_at, ended_at = NULL, ended_reason = NULL, fail_count = 0, pin_fail_count = 0
            """).run()
        return try storedToken(from: row).token
    }

    /// ``UnitOfWork/Operation/useLostToken(tokenID:hash:at:)``.
    static func useLostToken(tokenID: UUID, hash: String, at now: Date, in db: any SQLDatabase) async throws -> Bool {
        try await db.raw("""
            UPDATE lost_tokens SET fail_count = 0, pin_fail_count = 0
            WHERE token_id = \(bind: Row.id(tokenID)) AND code_hash = \(bind: hash) AND ended_at IS NULL
              AND expires_at > \(bind: Row.millis(now))
            RETURNING token_id
            """).first() != nil
    }

    /// ``UnitOfWork/Operation/countLostTokenFailure(tokenID:at:pin:maxFailures:)``: whether it counted, and whether that
    /// ended the record. An atomic increment: concurrent failures each count until the limit.
    static func countLostTokenFailure(tokenID: UUID, at now: Date, pin: Bool, maxFailures: Int, in db: any SQLDatabase) async throws -> (counted: Bool, ended: Bool) {
        let limit = Int64(maxFailures)
        let column = pin ? "pin_fail_count" : "fail_count"
        let reason = (pin ? LostTokenRules.Trigger.tooManyWrongPINs : .tooManyFailures).rawValue
        let row = try await db.raw("""
            UPDATE lost_tokens SET \(unsafeRaw: column) = \(unsafeRaw: column) + 1,
              ended_at = CASE WHEN \(unsafeRaw: column) + 1 >= \(bind: limit) THEN \(bind: Row.millis(now)) ELSE ended_at END,
              ended_reason = CASE WHEN \(unsafeRaw: column) + 1 >= \(bind: limit) THEN \(bind: reason) ELSE ended_reason END
            WHERE token_id = \(bind: Row.id(tokenID)) AND ended_at IS NULL AND expires_at > \(bind: Row.millis(now))
            RETURNING ended_at
            """).first()
        guard let row else { return (false, false) }
        return (true, try !row.decodeNil(column: "ended_at"))
    }

    /// ``UnitOfWork/Operation/endLostTokens(userID:tokenID:reason:at:)``: how many ended.
    static func endLostTokens(userID: UUID, tokenID: UUID?, reason: String, at now: Date, in db: any SQLDatabase) async throws -> Int {
        let all: Int64 = tokenID == nil ? 1 : 0
        return try await db.raw("""
            UPDATE lost_tokens SET ended_at = \(bind: Row.millis(now)), ended_reason = \(bind: reason)
            WHERE user_id = \(bind: Row.id(userID)) AND ended_at IS NULL AND expires_at > \(bind: Row.millis(now))
              AND (\(bind: all) = 1 OR token_id = \(bind: tokenID.map(Row.id) ?? ""))
            RETURNING token_id
            """).all().count
    }

    static func lostToken(from row: any SQLRow) throws -> LostToken {
        func optionalInt(_ column: String) throws -> Int64? { try row.decodeNil(column: column) ? nil : try row.decode(column: column, as: Int64.self) }
        return LostToken(
            tokenID: try Row.uuid(row, "token_id"), tenantID: try Row.uuid(row, "tenant_id"), userID: try Row.uuid(row, "user_id"),
            codeHash: try row.decode(column: "code_hash", as: String.self), keyID: try row.decode(column: "key_id", as: String.self),
            createdAt: Row.date(try row.decode(column: "created_at", as: Int64.self)),
            expiresAt: Row.date(try row.decode(column: "expires_at", as: Int64.self)),
            endedAt: try optionalInt("ended_at").map(Row.date),
            endedReason: try row.decodeNil(column: "ended_reason") ? nil : try row.decode(column: "ended_reason", as: String.self),
            failCount: Int(try row.decode(column: "fail_count", as: Int64.self)),
            pinFailCount: Int(try row.decode(column: "pin_fail_count", as: Int64.self)))
    }
}
