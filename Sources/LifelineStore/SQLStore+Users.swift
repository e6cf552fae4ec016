import Foundation
import LifelineCore
import SQLKit

extension SQLStore: UserStore {
    public func insertUser(_ u: User, contacts: [Contact], audit: AuditRecord) async throws {
        try await backend.write(lane: audit.chain) { db in
            let inserted = try await db.raw("""
                INSERT INTO users (id, tenant_id, username, username_key, display_name, status, language, created_at)
                VALUES (\(bind: Row.id(u.id)), \(bind: Row.id(u.tenantID)), \(bind: u.username), \(bind: u.usernameKey),
                  \(bind: u.displayName), \(bind: u.status.rawValue), \(bind: u.language), \(bind: Row.millis(u.createdAt)))
                ON CONFLICT DO NOTHING RETURNING id
                """).first()
            guard inserted != nil else { throw LifelineError(.conflict, "a user named '\(u.username)' exists in this tenant") }
            for c in contacts { try await Self.insert(contact: c, in: db) }
            try await self.appendAudit(audit, in: db)
        }
    }

    public func user(tenantID: UUID, username: String) async throws -> User? {
        try await backend.read { db in
            try await db.raw("""
                SELECT * FROM users WHERE tenant_id = \(bind: Row.id(tenantID)) AND username_key = \(bind: Validation.usernameKey(username))
                """).first().map(Self.user(from:))
        }
    }

    public func user(id: UUID) async throws -> User? {
        try await backend.read { db in
            try await db.raw("SELECT * FROM users WHERE id = \(bind: Row.id(id))").first().map(Self.user(from:))
        }
    }

    public func users(tenantID: UUID) async throws -> [User] {
        try await backend.read { db in
            try await db.raw("SELECT * FROM users WHERE tenant_id = \(bind: Row.id(tenantID)) ORDER BY username_key").all().map(Self.user(from:))
        }
    }

    public func updateUser(_ u: User, audit: AuditRecord) async throws {
        try await backend.write(lane: audit.chain) { db in
            let updated = try await db.raw("""
                UPDATE users SET display_name = \(bind: u.displayName), status = \(bind: u.status.rawValue), language = \(bind: u.language)
                WHERE id = \(bind: Row.id(u.id)) RETURNING id
                """).first()
            guard updated != nil else { throw LifelineError(.notFound, "no such user") }
            try await self.appendAudit(audit, in: db)
        }
    }

    public func contacts(userID: UUID) async throws -> [Contact] {
        try await backend.read { db in
            try await db.raw("SELECT * FROM contacts WHERE user_id = \(bind: Row.id(userID)) ORDER BY created_at, id").all().map { row in
                Contact(id: try Row.uuid(row, "id"), userID: try Row.uuid(row, "user_id"), kind: try Row.enumValue(row, "kind", as: ContactKind.self),
                        value: try row.decode(column: "value", as: String.self), verified: try row.decode(column: "verified", as: Int64.self) != 0,
                        createdAt: Row.date(try row.decode(column: "created_at", as: Int64.self)))
            }
        }
    }

    public func deleteContact(id: UUID, userID: UUID, audit: AuditRecord) async throws -> Bool {
        try await backend.write(lane: audit.chain) { db in
            try await self.changeThenAudit("DELETE FROM contacts WHERE id = \(bind: Row.id(id)) AND user_id = \(bind: Row.id(userID)) RETURNING id",
                                           audit: audit, in: db)
        }
    }

    static func insert(contact c: Contact, in db: any SQLDatabase) async throws {
        try await db.raw("""
            INSERT INTO contacts (id, user_id, kind, value, verified, created_at)
            VALUES (\(bind: Row.id(c.id)), \(bind: Row.id(c.userID)), \(bind: c.kind.rawValue), \(bind: c.value),
              \(bind: Int64(c.verified ? 1 : 0)), \(bind: Row.millis(c.createdAt)))
            """).run()
    }

    static func user(from row: any SQLRow) throws -> User {
        User(id: try Row.uuid(row, "id"), tenantID: try Row.uuid(row, "tenant_id"), username: try row.decode(column: "username", as: String.self),
             displayName: try row.decode(column: "display_name", as: String.self), status: try Row.enumValue(row, "status", as: UserStatus.self),
             language: try row.decode(column: "language", as: String.self), createdAt: Row.date(try row.decode(column: "created_at", as: Int64.self)))
    }
}
