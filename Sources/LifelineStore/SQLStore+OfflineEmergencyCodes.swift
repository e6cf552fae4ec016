import Foundation
import LifelineCore
import SQLKit

/// Tokens' offline emergency access tokencodes (``OfflineStore``; one row per token, sealed with the key ring; see
/// `SQLStore+OfflineAgents.swift` for how the conditional writes stay atomic).
extension SQLStore {
    public func emergencyCodes(tokenID: UUID) async throws -> OfflineEmergencyCodes? {
        try await backend.read { db in
            try await db.raw("SELECT * FROM offline_emergency_codes WHERE token_id = \(bind: Row.id(tokenID))").first()
                .map(Self.offlineEmergencyCodes(from:))
        }
    }

    public func putEmergencyCodes(_ c: OfflineEmergencyCodes, audit: AuditRecord) async throws {
        try await backend.write(lane: audit.chain) { db in
            // A reset: not downloaded yet, no failures. An upsert, not DELETE + INSERT: on PostgreSQL two concurrent
            // resets of one token would otherwise both find no row to delete and one would fail on the primary key.
            try await db.raw("""
                INSERT INTO offline_emergency_codes (token_id, tenant_id, user_id, tokencode, passcode, created_at, expires_at,
                  online_use, downloaded_at, failures)
                VALUES (\(bind: Row.id(c.tokenID)), \(bind: Row.id(c.tenantID)), \(bind: Row.id(c.userID)), \(bind: c.tokencode.text),
                  \(bind: c.passcode.text), \(bind: Row.millis(c.createdAt)), \(bind: Row.millis(c.expiresAt)),
                  \(bind: Int64(c.onlineUse ? 1 : 0)), NULL, 0)
                ON CONFLICT (token_id) DO UPDATE SET tenant_id = excluded.tenant_id, user_id = excluded.user_id,
                  tokencode = excluded.tokencode, passcode = excluded.passcode, created_at = excluded.created_at,
                  expires_at = excluded.expires_at, online_use = excluded.online_use, downloaded_at = NULL, failures = 0
                """).run()
            try await self.appendAudit(audit, in: db)
        }
    }

    public func setEmergencyOnlineUse(tokenID: UUID, on: Bool, audit: AuditRecord) async throws -> Bool {
        let flag = Int64(on ? 1 : 0)
        return try await backend.write(lane: audit.chain) { db in
            // Why the failures reset when switched on: an operator's decision starts a fresh count of wrong attempts.
            try await self.changeThenAudit("""
                UPDATE offline_emergency_codes SET online_use = \(bind: flag),
                  failures = CASE WHEN \(bind: flag) = 1 THEN 0 ELSE failures END
                WHERE token_id = \(bind: Row.id(tokenID)) RETURNING token_id
                """, audit: audit, in: db)
        }
    }

    public func markEmergencyDownloaded(tokenID: UUID, at: Date) async throws {
        try await backend.write(lane: Self.offlineLane) { db in
            try await db.raw("""
                UPDATE offline_emergency_codes SET downloaded_at = \(bind: Row.millis(at)) WHERE token_id = \(bind: Row.id(tokenID))
                """).run()
        }
    }

    public func countEmergencyFailure(tokenID: UUID, limit: Int, audit: AuditRecord) async throws -> Int? {
        let limit = Int64(limit)
        return try await backend.write(lane: audit.chain) { db -> Int? in
            // The counter with its limit: one conditional UPDATE. Concurrent wrong attempts queue on the row and each
            // re-checks `failures < limit` on the count the previous one left, so exactly `limit` are counted (a limit
            // of 5 allows 5), and only the one that reaches it switches online use off. Why off at the limit: the codes
            // are guessable only online, so the limit is what bounds guessing there.
            guard let row = try await db.raw("""
                UPDATE offline_emergency_codes SET failures = failures + 1,
                  online_use = CASE WHEN failures + 1 >= \(bind: limit) THEN 0 ELSE online_use END
                WHERE token_id = \(bind: Row.id(tokenID)) AND online_use = 1 AND failures < \(bind: limit)
                RETURNING failures
                """).first() else { return nil }
            try await self.appendAudit(audit, in: db)
            return Int(try row.decode(column: "failures", as: Int64.self))
        }
    }

    public func clearEmergencyFailures(tokenID: UUID) async throws {
        try await backend.write(lane: Self.offlineLane) { db in
            try await db.raw("UPDATE offline_emergency_codes SET failures = 0 WHERE token_id = \(bind: Row.id(tokenID)) AND failures > 0").run()
        }
    }

    static func offlineEmergencyCodes(from row: any SQLRow) throws -> OfflineEmergencyCodes {
        OfflineEmergencyCodes(tokenID: try Row.uuid(row, "token_id"), tenantID: try Row.uuid(row, "tenant_id"), userID: try Row.uuid(row, "user_id"),
                              tokencode: try sealed(row, "tokencode"), passcode: try sealed(row, "passcode"),
                              createdAt: Row.date(try row.decode(column: "created_at", as: Int64.self)),
                              expiresAt: Row.date(try row.decode(column: "expires_at", as: Int64.self)),
                              onlineUse: try row.decode(column: "online_use", as: Int64.self) != 0,
                              downloadedAt: try row.decode(column: "downloaded_at", as: Int64?.self).map(Row.date),
                              failures: Int(try row.decode(column: "failures", as: Int64.self)))
    }
}
