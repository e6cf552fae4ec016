import Foundation
import LifelineCore
import SQLKit

extension SQLStore: APIKeyStore {
    public func insertAPIKey(_ k: APIKey, audit: AuditRecord) async throws {
        try await backend.write(lane: audit.chain) { db in
            try await Self.insert(apiKey: k, in: db)
            try await self.appendAudit(audit, in: db)
        }
    }

    /// Inserts the key's row inside the caller's transaction (also an agent's key: ``insertAgent(_:key:audit:)``).
    static func insert(apiKey k: APIKey, in db: any SQLDatabase) async throws {
        try await db.raw("""
            INSERT INTO api_keys (id, name, role, tenant_id, secret_hash, created_at, expires_at, created_by)
            VALUES (\(bind: k.id), \(bind: k.name), \(bind: k.role.rawValue), \(bind: k.tenantID.map(Row.id)),
              \(bind: Hex.encode(k.secretHash)), \(bind: Row.millis(k.createdAt)), \(bind: k.expiresAt.map(Row.millis)), \(bind: k.createdBy))
            """).run()
    }

    /// Cached for at most ``apiKeyRecheckInterval`` (a hit costs no database read; a revocation or a deleted row
    /// is seen once the entry is older than that); "not found" is never cached.
    public func apiKey(id: String) async throws -> APIKey? {
        try await apiKeysByID.present(for: id) {
            try await backend.read { db in
                try await db.raw("SELECT * FROM api_keys WHERE id = \(bind: id)").first().map(Self.apiKey(from:))
            }
        }
    }

    public func apiKeys(tenantID: UUID?) async throws -> [APIKey] {
        try await backend.read { db in
            let rows = if let tenantID {
                try await db.raw("SELECT * FROM api_keys WHERE tenant_id = \(bind: Row.id(tenantID)) ORDER BY created_at, id").all()
            } else {
                try await db.raw("SELECT * FROM api_keys ORDER BY created_at, id").all()
            }
            return try rows.map(Self.apiKey(from:))
        }
    }

    public func revokeAPIKey(id: String, at: Date, audit: AuditRecord) async throws -> (key: APIKey, revoked: Bool)? {
        let result = try await backend.write(lane: audit.chain) { db -> (key: APIKey, revoked: Bool)? in
            // Only a live key is changed, so a second revocation keeps the first time and writes no audit event.
            let changed = try await db.raw("""
                UPDATE api_keys SET revoked_at = \(bind: Row.millis(at)) WHERE id = \(bind: id) AND revoked_at IS NULL RETURNING id
                """).first() != nil
            guard let row = try await db.raw("SELECT * FROM api_keys WHERE id = \(bind: id)").first() else { return nil }
            if changed { try await self.appendAudit(audit, in: db) }
            return (try Self.apiKey(from: row), changed)
        }
        // This process refuses the key at once; the others within the recheck interval.
        apiKeysByID.remove(id)
        return result
    }

    /// Why at most once a minute: validation runs thousands of requests per second on one key, and a write per
    /// request would cost more than the validation. Why per process: every instance throttles itself, so N
    /// instances write at most N times per key per minute, and the stored time is never more than a minute behind.
    /// Concurrent requests race for the slot under the lock, so only one of them writes.
    public func recordAPIKeyUse(_ key: APIKey, at: Date) async throws {
        let due = apiKeyUses.withLock { uses -> Bool in
            let last = max(uses[key.id] ?? .distantPast, key.lastUsedAt ?? .distantPast)
            guard at.timeIntervalSince(last) >= Self.apiKeyUseGranularity else { return false }
            // Bounded like the caches: past 10,000 keys the table starts over (costing one early write per key).
            if uses.count >= 10_000, uses[key.id] == nil { uses.removeAll(keepingCapacity: true) }
            uses[key.id] = at
            return true
        }
        guard due else { return }
        let millis = Row.millis(at)
        try await backend.write { db in
            // Never moves the time back (another instance may have written a later one).
            try await db.raw("""
                UPDATE api_keys SET last_used_at = \(bind: millis) WHERE id = \(bind: key.id) AND (last_used_at IS NULL OR last_used_at < \(bind: millis))
                """).run()
        }
    }

    static func apiKey(from row: any SQLRow) throws -> APIKey {
        let hex = try row.decode(column: "secret_hash", as: String.self)
        var hash: [UInt8] = []
        var i = hex.startIndex
        while i < hex.endIndex, let j = hex.index(i, offsetBy: 2, limitedBy: hex.endIndex), let b = UInt8(hex[i..<j], radix: 16) {
            hash.append(b); i = j
        }
        let tenant = try row.decodeNil(column: "tenant_id") ? nil : try Row.uuid(row, "tenant_id")
        return APIKey(id: try row.decode(column: "id", as: String.self), name: try row.decode(column: "name", as: String.self),
                      role: try Row.enumValue(row, "role", as: Role.self), tenantID: tenant, secretHash: hash,
                      createdAt: Row.date(try row.decode(column: "created_at", as: Int64.self)),
                      expiresAt: try row.decode(column: "expires_at", as: Int64?.self).map(Row.date),
                      lastUsedAt: try row.decode(column: "last_used_at", as: Int64?.self).map(Row.date),
                      revokedAt: try row.decode(column: "revoked_at", as: Int64?.self).map(Row.date),
                      createdBy: try row.decode(column: "created_by", as: String?.self) ?? "")
    }
}
