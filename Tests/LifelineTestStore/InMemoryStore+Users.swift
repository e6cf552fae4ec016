import Foundation
import LifelineCore

extension InMemoryStore: TenantStore, UserStore, HealthProbe {
    public func insertTenant(_ tenant: Tenant, audit: AuditRecord) async throws {
        let key = try await auditKey()
        try write { s in
            guard !s.tenants.values.contains(where: { $0.name == tenant.name }) else {
                throw LifelineError(.conflict, "a tenant named '\(tenant.name)' exists")
            }
            s.tenants[tenant.id] = tenant
            Self.append(audit, key: key, to: &s)
        }
    }

    public func tenant(named name: String) async throws -> Tenant? { read { $0.tenants.values.first { $0.name == name } } }
    public func tenant(id: UUID) async throws -> Tenant? { read { $0.tenants[id] } }
    public func tenants() async throws -> [Tenant] { read { $0.tenants.values.sorted { $0.name < $1.name } } }

    public func insertUser(_ user: User, contacts: [Contact], audit: AuditRecord) async throws {
        let key = try await auditKey()
        try write { s in
            guard s.tenants[user.tenantID] != nil else { throw LifelineError(.integrity, "no such tenant (foreign key)") }
            guard !s.users.values.contains(where: { $0.tenantID == user.tenantID && $0.usernameKey == user.usernameKey }) else {
                throw LifelineError(.conflict, "a user named '\(user.username)' exists in this tenant")
            }
            s.users[user.id] = user
            for c in contacts { try Self.insert(contact: c, in: &s) }
            Self.append(audit, key: key, to: &s)
        }
    }

    static func insert(contact: Contact, in s: inout State) throws {
        guard s.users[contact.userID] != nil else { throw LifelineError(.integrity, "no such user (foreign key)") }
        guard !s.contacts.contains(where: { $0.id == contact.id }) else { throw LifelineError(.integrity, "duplicate contact id") }
        s.contacts.append(contact)
    }

    public func user(tenantID: UUID, username: String) async throws -> User? {
        let key = Validation.usernameKey(username)
        return read { $0.users.values.first { $0.tenantID == tenantID && $0.usernameKey == key } }
    }

    public func user(id: UUID) async throws -> User? { read { $0.users[id] } }

    public func users(tenantID: UUID) async throws -> [User] {
        read { $0.users.values.filter { $0.tenantID == tenantID }.sorted { $0.usernameKey < $1.usernameKey } }
    }

    public func updateUser(_ user: User, audit: AuditRecord) async throws {
        let key = try await auditKey()
        try write { s in
            guard var stored = s.users[user.id] else { throw LifelineError(.notFound, "no such user") }
            stored.displayName = user.displayName; stored.status = user.status; stored.language = user.language
            s.users[user.id] = stored
            Self.append(audit, key: key, to: &s)
        }
    }

    public func deleteContact(id: UUID, userID: UUID, audit: AuditRecord) async throws -> Bool {
        let key = try await auditKey()
        return write { s in
            guard let i = s.contacts.firstIndex(where: { $0.id == id && $0.userID == userID }) else { return false }
            s.contacts.remove(at: i)
            Self.append(audit, key: key, to: &s)
            return true
        }
    }

    public func contacts(userID: UUID) async throws -> [Contact] {
        read { $0.contacts.filter { $0.userID == userID }.sorted { ($0.createdAt, $0.id.uuidString) < ($1.createdAt, $1.id.uuidString) } }
    }

    public func isReachable() async -> Bool { true }
}
