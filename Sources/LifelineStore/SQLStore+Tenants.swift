import Foundation
import LifelineCore
import SQLKit

extension SQLStore: TenantStore {
    public func insertTenant(_ t: Tenant, audit: AuditRecord) async throws {
        try await backend.write(lane: audit.chain) { db in
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
