import Foundation
import LifelineCore
import SQLKit

extension SQLStore: EmergencyCodeStore {
    /// Upserts `code` as the user's code inside the caller's transaction (``UnitOfWork/Operation/putEmergencyCode(_:)``).
    static func upsert(_ code: StoredEmergencyCode, in db: any SQLDatabase) async throws {
        let s = code.state
        // An upsert, not DELETE + INSERT: on PostgreSQL two concurrent issues for one user would otherwise both
        // find no row to delete and one would fail on the primary key.
        try await db.raw("""
            INSERT INTO emergency_codes (user_id, tenant_id, template_id, code_hash, key_id, issued_at, expires_at, max_uses, uses_left,
              used_count, fail_count, status, revoked_at, revoked_reason)
            VALUES (\(bind: Row.id(s.userID)), \(bind: Row.id(code.tenantID)), \(bind: s.templateID), \(bind: code.hash), \(bind: code.keyID),
              \(bind: Row.millis(s.issuedAt)), \(bind: s.expiresAt.map(Row.millis)), \(bind: s.maxUses.map(Int64.init)),
              \(bind: s.usesLeft.map(Int64.init)), \(bind: Int64(s.usedCount)), \(bind: Int64(s.failCount)), \(bind: s.status.rawValue),
              \(bind: s.revokedAt.map(Row.millis)), \(bind: s.revokedReason))
            ON CONFLICT (user_id) DO UPDATE SET tenant_id = excluded.tenant_id, template_id = excluded.template_id,
              code_hash = excluded.code_hash, key_id = excluded.key_id, issued_at = excluded.issued_at, expires_at = excluded.expires_at,
              max_uses = excluded.max_uses, uses_left = excluded.uses_left, used_count = excluded.used_count,
              fail_count = excluded.fail_count, status = excluded.status, revoked_at = excluded.revoked_at,
              revoked_reason = excluded.revoked_reason
            """).run()
    }

    public func emergencyCode(userID: UUID) async throws -> StoredEmergencyCode? {
        try await backend.read { db in
            try await db.raw("SELECT * FROM emergency_codes WHERE user_id = \(bind: Row.id(userID))").first().map(Self.emergencyCode(from:))
        }
    }

    public func useEmergencyCode(userID: UUID, hash: String, now: Date, audit: AuditRecord) async throws -> Bool {
        try await backend.write(lane: audit.chain) { db in
            // The use-count guard: one conditional UPDATE. Concurrent requests queue on the row (PostgreSQL re-checks
            // the WHERE clause on the row as the previous writer left it; SQLite runs one writer at a time), so with
            // n uses left exactly n of them match. The right-hand sides all read the row as it was before this update.
            try await self.changeThenAudit("""
                UPDATE emergency_codes SET used_count = used_count + 1, fail_count = 0,
                  uses_left = CASE WHEN uses_left IS NULL THEN NULL ELSE uses_left - 1 END,
                  status = CASE WHEN uses_left IS NOT NULL AND uses_left <= 1 THEN 'used_up' ELSE status END
                WHERE user_id = \(bind: Row.id(userID)) AND code_hash = \(bind: hash) AND status = 'active'
                  AND (expires_at IS NULL OR expires_at > \(bind: Row.millis(now))) AND (uses_left IS NULL OR uses_left > 0)
                RETURNING user_id
                """, audit: audit, in: db)
        }
    }

    /// Counts a wrong guess inside the caller's transaction (``UnitOfWork/Operation/countEmergencyCodeFailure(userID:at:maxFailures:)``):
    /// whether a code was counted, and whether that revoked it.
    static func countFailure(userID: UUID, at now: Date, maxFailures: Int, in db: any SQLDatabase) async throws -> (counted: Bool, revoked: Bool) {
        let limit = Int64(maxFailures)
        let reason = EmergencyCodeRules.Trigger.tooManyFailures.rawValue
        let row = try await db.raw("""
            UPDATE emergency_codes SET fail_count = fail_count + 1,
              status = CASE WHEN fail_count + 1 >= \(bind: limit) THEN 'revoked' ELSE status END,
              revoked_at = CASE WHEN fail_count + 1 >= \(bind: limit) THEN \(bind: Row.millis(now)) ELSE revoked_at END,
              revoked_reason = CASE WHEN fail_count + 1 >= \(bind: limit) THEN \(bind: reason) ELSE revoked_reason END
            WHERE user_id = \(bind: Row.id(userID)) AND status = 'active' AND (expires_at IS NULL OR expires_at > \(bind: Row.millis(now)))
            RETURNING status
            """).first()
        guard let row else { return (false, false) }
        return (true, try row.decode(column: "status", as: String.self) == EmergencyCodeStatus.revoked.rawValue)
    }

    public func revokeEmergencyCode(userID: UUID, reason: String, audit: AuditRecord) async throws -> Bool {
        try await backend.write(lane: audit.chain) { db in
            guard try await Self.setRevoked(userID: userID, reason: reason, now: audit.time, in: db) else { return false }
            try await self.appendAudit(audit, in: db)
            return true
        }
    }

    // MARK: the steps of the unit of work (SQLStore+Transaction)

    static func setRevoked(userID: UUID, reason: String, now: Date, in db: any SQLDatabase) async throws -> Bool {
        try await db.raw("""
            UPDATE emergency_codes SET status = 'revoked', revoked_at = \(bind: Row.millis(now)), revoked_reason = \(bind: reason)
            WHERE user_id = \(bind: Row.id(userID)) AND status = 'active' AND (expires_at IS NULL OR expires_at > \(bind: Row.millis(now)))
              AND (uses_left IS NULL OR uses_left > 0)
            RETURNING user_id
            """).first() != nil
    }

    static func emergencyCode(from row: any SQLRow) throws -> StoredEmergencyCode {
        func optionalInt(_ column: String) throws -> Int64? { try row.decodeNil(column: column) ? nil : try row.decode(column: column, as: Int64.self) }
        let state = EmergencyCodeState(
            userID: try Row.uuid(row, "user_id"), templateID: try row.decode(column: "template_id", as: String.self),
            issuedAt: Row.date(try row.decode(column: "issued_at", as: Int64.self)), expiresAt: try optionalInt("expires_at").map(Row.date),
            maxUses: try optionalInt("max_uses").map { Int($0) }, usesLeft: try optionalInt("uses_left").map { Int($0) },
            usedCount: Int(try row.decode(column: "used_count", as: Int64.self)), failCount: Int(try row.decode(column: "fail_count", as: Int64.self)),
            status: try Row.enumValue(row, "status", as: EmergencyCodeStatus.self), revokedAt: try optionalInt("revoked_at").map(Row.date),
            revokedReason: try row.decodeNil(column: "revoked_reason") ? nil : try row.decode(column: "revoked_reason", as: String.self))
        return StoredEmergencyCode(tenantID: try Row.uuid(row, "tenant_id"), state: state, hash: try row.decode(column: "code_hash", as: String.self),
                                   keyID: try row.decode(column: "key_id", as: String.self))
    }
}
