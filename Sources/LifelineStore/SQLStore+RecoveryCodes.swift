import Foundation
import LifelineCore
import SQLKit

extension SQLStore: RecoveryCodeStore {
    public func recoveryCodeSet(userID: UUID) async throws -> RecoveryCodeSet? {
        try await backend.read { db in
            try await db.raw("""
                SELECT s.*, (SELECT COUNT(*) FROM recovery_codes c WHERE c.set_id = s.set_id AND c.used_at IS NULL) AS remaining
                FROM recovery_code_sets s WHERE s.user_id = \(bind: Row.id(userID))
                """).first().map(Self.recoveryCodeSet(from:))
        }
    }

    public func recoveryCode(userID: UUID, lookup: String) async throws -> (set: RecoveryCodeSet, code: StoredRecoveryCode?)? {
        try await backend.read { db in
            guard let row = try await db.raw("""
                SELECT s.*, (SELECT COUNT(*) FROM recovery_codes c WHERE c.set_id = s.set_id AND c.used_at IS NULL) AS remaining,
                  k.lookup AS code_lookup, k.code_hash AS code_hash, k.used_at AS code_used_at
                FROM recovery_code_sets s LEFT JOIN recovery_codes k ON k.set_id = s.set_id AND k.lookup = \(bind: lookup)
                WHERE s.user_id = \(bind: Row.id(userID))
                """).first() else { return nil }
            let set = try Self.recoveryCodeSet(from: row)
            guard !(try row.decodeNil(column: "code_lookup")) else { return (set, nil) }
            let usedAt = try row.decodeNil(column: "code_used_at") ? nil : Row.date(try row.decode(column: "code_used_at", as: Int64.self))
            return (set, StoredRecoveryCode(lookup: try row.decode(column: "code_lookup", as: String.self),
                                            hash: try row.decode(column: "code_hash", as: String.self), usedAt: usedAt))
        }
    }

    // MARK: the steps of the unit of work (SQLStore+Transaction); the rules and audit records are the core's (RecoveryCodeRules)

    /// ``UnitOfWork/Operation/putRecoveryCodes(_:codes:)``: the set row as given, the earlier set's codes deleted, the new
    /// codes inserted.
    static func insertRecoveryCodeSet(_ set: RecoveryCodeSet, codes: [StoredRecoveryCode], in db: any SQLDatabase) async throws {
        // An upsert, then the delete: on PostgreSQL the upsert locks the user's set row (if the revocation before it in
        // the unit did not already), so a concurrent issue waits and then deletes this set's codes in turn (each statement
        // sees the rows committed before it); the user always ends with one whole set, never a mix of two.
        try await db.raw("""
            INSERT INTO recovery_code_sets (user_id, tenant_id, set_id, issued_at, total, status, fail_count, revoked_at, revoked_reason)
            VALUES (\(bind: Row.id(set.userID)), \(bind: Row.id(set.tenantID)), \(bind: Row.id(set.setID)), \(bind: Row.millis(set.issuedAt)),
              \(bind: Int64(set.total)), \(bind: set.status.rawValue), \(bind: Int64(set.failCount)), NULL, NULL)
            ON CONFLICT (user_id) DO UPDATE SET tenant_id = excluded.tenant_id, set_id = excluded.set_id, issued_at = excluded.issued_at,
              total = excluded.total, status = excluded.status, fail_count = excluded.fail_count, revoked_at = NULL, revoked_reason = NULL
            """).run()
        try await db.raw("""
            DELETE FROM recovery_codes WHERE user_id = \(bind: Row.id(set.userID)) AND set_id <> \(bind: Row.id(set.setID))
            """).run()
        for code in codes {
            try await db.raw("""
                INSERT INTO recovery_codes (set_id, user_id, lookup, code_hash, used_at)
                VALUES (\(bind: Row.id(set.setID)), \(bind: Row.id(set.userID)), \(bind: code.lookup), \(bind: code.hash), NULL)
                """).run()
        }
    }

    /// ``UnitOfWork/Operation/useRecoveryCode(userID:setID:lookup:at:)``: whether the code was marked used.
    static func markRecoveryCodeUsed(userID: UUID, setID: UUID, lookup: String, at now: Date, in db: any SQLDatabase) async throws -> Bool {
        // The single-use guard: one conditional UPDATE. Concurrent requests queue on the row (PostgreSQL re-checks
        // `used_at IS NULL` on the row as the previous writer left it; SQLite runs one writer at a time), so exactly one
        // of them matches. The set must still be the user's active one (not revoked or replaced).
        try await db.raw("""
            UPDATE recovery_codes SET used_at = \(bind: Row.millis(now))
            WHERE set_id = \(bind: Row.id(setID)) AND lookup = \(bind: lookup) AND used_at IS NULL
              AND EXISTS (SELECT 1 FROM recovery_code_sets s WHERE s.user_id = \(bind: Row.id(userID)) AND s.set_id = \(bind: Row.id(setID))
                          AND s.status = 'active')
            RETURNING lookup
            """).first() != nil
    }

    /// ``UnitOfWork/Operation/resetRecoveryCodeFailures(userID:)``: whether a count was cleared.
    static func resetRecoveryCodeFailCount(userID: UUID, in db: any SQLDatabase) async throws -> Bool {
        try await db.raw("""
            UPDATE recovery_code_sets SET fail_count = 0 WHERE user_id = \(bind: Row.id(userID)) AND fail_count <> 0 RETURNING user_id
            """).first() != nil
    }

    /// ``UnitOfWork/Operation/countRecoveryCodeFailure(userID:)``: the active set's fail count afterwards (nil: none).
    static func countRecoveryCodeFailure(userID: UUID, in db: any SQLDatabase) async throws -> Int? {
        try await db.raw("""
            UPDATE recovery_code_sets SET fail_count = fail_count + 1 WHERE user_id = \(bind: Row.id(userID)) AND status = 'active'
            RETURNING fail_count
            """).first().map { Int(try $0.decode(column: "fail_count", as: Int64.self)) }
    }

    /// ``UnitOfWork/Operation/revokeRecoveryCodes(userID:reason:at:)``: whether the active set was revoked.
    static func revokeRecoveryCodeSet(userID: UUID, reason: String, at now: Date, in db: any SQLDatabase) async throws -> Bool {
        try await db.raw("""
            UPDATE recovery_code_sets SET status = 'revoked', revoked_at = \(bind: Row.millis(now)), revoked_reason = \(bind: reason)
            WHERE user_id = \(bind: Row.id(userID)) AND status = 'active'
            RETURNING user_id
            """).first() != nil
    }

    static func recoveryCodeSet(from row: any SQLRow) throws -> RecoveryCodeSet {
        RecoveryCodeSet(
            userID: try Row.uuid(row, "user_id"), tenantID: try Row.uuid(row, "tenant_id"), setID: try Row.uuid(row, "set_id"),
            issuedAt: Row.date(try row.decode(column: "issued_at", as: Int64.self)),
            status: try Row.enumValue(row, "status", as: RecoveryCodeSetStatus.self),
            failCount: Int(try row.decode(column: "fail_count", as: Int64.self)),
            revokedAt: try row.decodeNil(column: "revoked_at") ? nil : Row.date(try row.decode(column: "revoked_at", as: Int64.self)),
            revokedReason: try row.decodeNil(column: "revoked_reason") ? nil : try row.decode(column: "revoked_reason", as: String.self),
            total: Int(try row.decode(column: "total", as: Int64.self)), remaining: Int(try row.decode(column: "remaining", as: Int64.self)))
    }
}
