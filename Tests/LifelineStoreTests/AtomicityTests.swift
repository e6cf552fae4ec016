import Foundation
import LifelineCore
@testable import LifelineStore
import Testing

/// A change and its audit event are written together or not at all.
@Suite("Atomicity of writes")
struct AtomicityTests {
    @Test("a duplicate username appends no audit event and writes no contacts", arguments: Backend.available)
    func duplicateUserRollsBack(_ backend: Backend) async throws {
        try await withStore(backend) { store, _ in
            let (tenant, _) = try await Fixture.seedUser(store)
            let dup = Fixture.user(tenant, "ALICE")
            let contact = Contact(id: UUID(), userID: dup.id, kind: .phone, value: "+420777000111", verified: true, createdAt: Fixture.t0)
            await #expect(throws: LifelineError.self) {
                try await store.insertUser(dup, contacts: [contact], audit: Fixture.audit("user.create", subject: "ALICE"))
            }
            #expect(try await store.auditCount() == 2)
            #expect(try await store.int("SELECT COUNT(*) AS n FROM contacts") == 0)
            try await Self.expectUsable(store, auditCount: 2)
        }
    }

    @Test("a failing contact rolls back the user inserted before it", arguments: Backend.available)
    func failingContactRollsBackUser(_ backend: Backend) async throws {
        try await withStore(backend) { store, _ in
            let (tenant, _) = try await Fixture.seedUser(store)
            let bob = Fixture.user(tenant, "bob")
            let c = Contact(id: UUID(), userID: bob.id, kind: .email, value: "bob@example.com", verified: true, createdAt: Fixture.t0)
            // The second contact reuses the first one's id: its INSERT fails after the user and first contact.
            await #expect(throws: (any Error).self) {
                try await store.insertUser(bob, contacts: [c, c], audit: Fixture.audit("user.create", subject: "bob"))
            }
            #expect(try await store.user(tenantID: tenant.id, username: "bob") == nil)
            #expect(try await store.contacts(userID: bob.id) == [])
            #expect(try await store.auditCount() == 2)
            try await Self.expectUsable(store, auditCount: 2)
        }
    }

    @Test("a token for a user that does not exist fails on the foreign key and audits nothing", arguments: Backend.available)
    func tokenForeignKey(_ backend: Backend) async throws {
        try await withStore(backend) { store, _ in
            let (tenant, _) = try await Fixture.seedUser(store)
            let ghost = User(id: UUID(), tenantID: tenant.id, username: "ghost", displayName: "", status: .active, language: "en", createdAt: Fixture.t0)
            let orphan = Fixture.token(ghost)
            await #expect(throws: (any Error).self) {
                try await store.insertToken(orphan, audit: Fixture.audit("token.enroll"))
            }
            #expect(try await store.storedToken(id: orphan.token.id, tenantID: tenant.id) == nil)
            #expect(try await store.auditCount() == 2)
            try await Self.expectUsable(store, auditCount: 2)
        }
    }

    @Test("a contact for a user that does not exist fails and audits nothing", arguments: Backend.available)
    func contactForeignKey(_ backend: Backend) async throws {
        try await withStore(backend) { store, _ in
            _ = try await Fixture.seedUser(store)
            let c = Contact(id: UUID(), userID: UUID(), kind: .email, value: "nobody@example.com", verified: false, createdAt: Fixture.t0)
            await #expect(throws: (any Error).self) { try await store.insertContact(c, audit: Fixture.audit("contact.add")) }
            #expect(try await store.contacts(userID: c.userID) == [])
            #expect(try await store.auditCount() == 2)
            try await Self.expectUsable(store, auditCount: 2)
        }
    }

    @Test("a duplicate API key id fails and audits nothing", arguments: Backend.available)
    func duplicateAPIKey(_ backend: Backend) async throws {
        try await withStore(backend) { store, _ in
            let key = APIKey(id: "abcdefghijkl", name: "one", role: .admin, tenantID: nil, secretHash: APIKey.hash(secret: "a"), createdAt: Fixture.t0)
            try await store.insertAPIKey(key, audit: Fixture.audit("apikey.create"))
            var other = key
            other.name = "two"
            await #expect(throws: (any Error).self) { try await store.insertAPIKey(other, audit: Fixture.audit("apikey.create")) }
            #expect(try await store.apiKey(id: key.id) == key)
            #expect(try await store.auditCount() == 1)
            try await Self.expectUsable(store, auditCount: 1)
        }
    }

    /// After a failed transaction the store still writes, and the chain is intact with no gap.
    static func expectUsable(_ store: SQLStore, auditCount: Int64) async throws {
        let t = Fixture.tenant("after-failure")
        try await store.insertTenant(t, audit: Fixture.audit("tenant.create", tenant: t.name))
        #expect(try await store.tenant(named: "after-failure") == t)
        // Every chain numbered from 1 without a gap, and no event more than expected.
        let events = try await store.auditEvents()
        #expect(events.count == Int(auditCount + 1))
        for chain in Set(events.map(\.chain)) {
            #expect(try await store.auditSeqs(chain: chain) == Array(1...Int64(events.filter { $0.chain == chain }.count)))
        }
        let chain = try await store.verifyChain()
        #expect(chain.broken == nil)
        #expect(chain.count == Int(auditCount + 1))
    }
}
