import Foundation
import LifelineCore
import SQLKit

extension SQLStore: TenantStore {
    public func insertTenant(_ t: Tenant, audit: AuditRecord) async throws {
        try await backend.write { db in
            let inserted = try await db.raw("""
                INSERT INTO tenants (id, name, display_name, created_at)
                VALUES (\(bind: Row.id(t.id)), \(bind: t.name), \(bind: t.displayName), \(bind: Row.millis(t.createdAt)))
                ON CONFLICT DO NOTHING RETURNING id
                """).first()
            guard inserted != nil else { throw LifelineError(.conflict, "a tenant named '\(t.name)' exists") }
            try await self.appendAudit(audit, in: db)
        }
    }

    public func tenant(named name: String) async throws -> Tenant? {
        try await tenantsByName.value(for: name) {
            try await backend.read { db in
                try await db.raw("SELECT * FROM tenants WHERE name = \(bind: name)").first().map(Self.tenant(from:))
            }
        }
    }

    public func tenant(id: UUID) async throws -> Tenant? {
        try await backend.read { db in
            try await db.raw("SELECT * FROM tenants WHERE id = \(bind: Row.id(id))").first().map(Self.tenant(from:))
        }
    }

    public func tenants() async throws -> [Tenant] {
        try await backend.read { db in
            try await db.raw("SELECT * FROM tenants ORDER BY name").all().map(Self.tenant(from:))
        }
    }

    static func tenant(from row: any SQLRow) throws -> Tenant {
        Tenant(id: try Row.uuid(row, "id"), name: try row.decode(column: "name", as: String.self),
               displayName: try row.decode(column: "display_name", as: String.self),
               createdAt: Row.date(try row.decode(column: "created_at", as: Int64.self)))
    }
}

extension SQLStore: APIKeyStore {
    public func insertAPIKey(_ k: APIKey, audit: AuditRecord) async throws {
        try await backend.write { db in
            try await db.raw("""
                INSERT INTO api_keys (id, name, scope, tenant_id, secret_hash, created_at)
                VALUES (\(bind: k.id), \(bind: k.name), \(bind: k.scope.rawValue), \(bind: k.tenantID.map(Row.id)),
                  \(bind: Hex.encode(k.secretHash)), \(bind: Row.millis(k.createdAt)))
                """).run()
            try await self.appendAudit(audit, in: db)
        }
    }

    public func apiKey(id: String) async throws -> APIKey? {
        try await apiKeysByID.value(for: id) { try await loadAPIKey(id: id) }
    }

    private func loadAPIKey(id: String) async throws -> APIKey? {
        try await backend.read { db in
            guard let row = try await db.raw("SELECT * FROM api_keys WHERE id = \(bind: id)").first() else { return nil }
            let hex = try row.decode(column: "secret_hash", as: String.self)
            var hash: [UInt8] = []
            var i = hex.startIndex
            while i < hex.endIndex, let j = hex.index(i, offsetBy: 2, limitedBy: hex.endIndex), let b = UInt8(hex[i..<j], radix: 16) {
                hash.append(b); i = j
            }
            let tenant = try row.decodeNil(column: "tenant_id") ? nil : try Row.uuid(row, "tenant_id")
            return APIKey(id: try row.decode(column: "id", as: String.self), name: try row.decode(column: "name", as: String.self),
                          scope: try Row.enumValue(row, "scope", as: APIKeyScope.self), tenantID: tenant, secretHash: hash,
                          createdAt: Row.date(try row.decode(column: "created_at", as: Int64.self)))
        }
    }
}
