import Foundation
import LifelineCore
@testable import LifelineStore
import Testing

@Suite("Store contract: tenants, users, contacts, API keys")
struct StoreContractTests {
    @Test("a tenant reads back with every field, by name, by id and in the list", arguments: Backend.available)
    func tenantRoundTrip(_ backend: Backend) async throws {
        try await withStore(backend) { store, _ in
            let acme = Fixture.tenant("acme", display: "ACME – Česko")
            let beta = Fixture.tenant("beta-2", display: "Beta")
            // One millisecond apart: events of different chains are listed newest first by time.
            try await store.insertTenant(beta, audit: Fixture.audit("tenant.create", tenant: "beta-2", subject: "beta-2", time: Fixture.time(1)))
            try await store.insertTenant(acme, audit: Fixture.audit("tenant.create", tenant: "acme", subject: "acme", time: Fixture.time(2)))
            #expect(try await store.tenant(named: "acme") == acme)
            #expect(try await store.tenant(id: beta.id) == beta)
            #expect(try await store.tenants() == [acme, beta])
            #expect(try await store.tenant(named: "nope") == nil)
            #expect(try await store.tenant(named: "ACME") == nil)
            #expect(try await store.tenant(id: UUID()) == nil)
            #expect(try await store.auditCount() == 2)
            let events = try await store.recentEvents(tenant: nil, limit: 10)
            // Each tenant's first event, in its own chain.
            #expect(events.map(\.seq) == [1, 1])
            #expect(events.map(\.chain) == ["tenant:acme", "tenant:beta-2"])
            #expect(events.first?.record == Fixture.audit("tenant.create", tenant: "acme", subject: "acme", time: Fixture.time(2)))
        }
    }

    @Test("a duplicate tenant name is a conflict and writes nothing", arguments: Backend.available)
    func duplicateTenant(_ backend: Backend) async throws {
        try await withStore(backend) { store, _ in
            let first = Fixture.tenant("acme", display: "First")
            try await store.insertTenant(first, audit: Fixture.audit("tenant.create"))
            let second = Fixture.tenant("acme", display: "Second")
            let error = await #expect(throws: LifelineError.self) {
                try await store.insertTenant(second, audit: Fixture.audit("tenant.create", reason: "second"))
            }
            #expect(error?.code == .conflict)
            #expect(try await store.auditCount() == 1)
            #expect(try await store.tenants() == [first])
            #expect(try await store.tenant(id: second.id) == nil)
            #expect(try await store.verifyChain().broken == nil)
        }
    }

    @Test("updating a user that does not exist is not_found and writes nothing", arguments: Backend.available)
    func updateMissingUser(_ backend: Backend) async throws {
        try await withStore(backend) { store, _ in
            let (_, user) = try await Fixture.seedUser(store)
            let before = try await store.auditCount()
            var ghost = user
            ghost.id = UUID()
            ghost.displayName = "Ghost"
            let error = await #expect(throws: LifelineError.self) {
                try await store.updateUser(ghost, audit: Fixture.audit("user.update"))
            }
            #expect(error?.code == .notFound)
            #expect(try await store.auditCount() == before)
            var renamed = user
            renamed.displayName = "Renamed"
            try await store.updateUser(renamed, audit: Fixture.audit("user.update"))
            #expect(try await store.user(id: user.id)?.displayName == "Renamed")
            #expect(try await store.auditCount() == before + 1)
        }
    }

    @Test("a user and its contacts read back with every field; lookup ignores case", arguments: Backend.available)
    func userRoundTrip(_ backend: Backend) async throws {
        try await withStore(backend) { store, _ in
            let tenant = Fixture.tenant()
            try await store.insertTenant(tenant, audit: Fixture.audit("tenant.create"))
            let alice = Fixture.user(tenant, "Alice")
            let email = Contact(id: UUID(), userID: alice.id, kind: .email, value: "alice@example.com", verified: true, createdAt: Fixture.time(10))
            let phone = Contact(id: UUID(), userID: alice.id, kind: .phone, value: "+420777123789", verified: false, createdAt: Fixture.time(11))
            try await store.insertUser(alice, contacts: [phone, email], audit: Fixture.audit("user.create"))
            for spelling in ["Alice", "alice", "ALICE", "aLiCe"] {
                #expect(try await store.user(tenantID: tenant.id, username: spelling) == alice, "lookup \(spelling)")
            }
            #expect(try await store.user(tenantID: tenant.id, username: "alice2") == nil)
            #expect(try await store.user(tenantID: UUID(), username: "alice") == nil)
            #expect(try await store.user(id: alice.id) == alice)
            #expect(try await store.user(id: UUID()) == nil)
            #expect(try await store.contacts(userID: alice.id) == [email, phone])

            var bob = Fixture.user(tenant, "bob")
            bob.status = .disabled
            bob.language = "en-GB"
            try await store.insertUser(bob, contacts: [], audit: Fixture.audit("user.create", subject: "bob"))
            #expect(try await store.users(tenantID: tenant.id) == [alice, bob])

            let extra = Contact(id: UUID(), userID: alice.id, kind: .email, value: "a2@example.org", verified: false, createdAt: Fixture.time(12))
            try await store.insertContact(extra, audit: Fixture.audit("contact.add"))
            #expect(try await store.contacts(userID: alice.id) == [email, phone, extra])
            #expect(try await store.contacts(userID: bob.id) == [])

            var changed = alice
            changed.displayName = "Alice Changed"
            changed.status = .disabled
            changed.language = "nb"
            changed.username = "ignored-rename"
            try await store.updateUser(changed, audit: Fixture.audit("user.update"))
            let reread = try #require(try await store.user(tenantID: tenant.id, username: "alice"))
            #expect(reread.displayName == "Alice Changed")
            #expect(reread.status == .disabled)
            #expect(reread.language == "nb")
            #expect(reread.username == "Alice")
            #expect(reread.createdAt == alice.createdAt)
            #expect(try await store.auditCount() == 5)
        }
    }

    @Test("usernames are unique per tenant regardless of case", arguments: Backend.available)
    func usernameCaseInsensitiveUniqueness(_ backend: Backend) async throws {
        try await withStore(backend) { store, _ in
            let (tenant, alice) = try await Fixture.seedUser(store)
            #expect(alice.username == "Alice")
            let lower = Fixture.user(tenant, "alice")
            let contact = Contact(id: UUID(), userID: lower.id, kind: .email, value: "x@example.com", verified: true, createdAt: Fixture.t0)
            let error = await #expect(throws: LifelineError.self) {
                try await store.insertUser(lower, contacts: [contact], audit: Fixture.audit("user.create"))
            }
            #expect(error?.code == .conflict)
            #expect(try await store.auditCount() == 2)
            #expect(try await store.users(tenantID: tenant.id) == [alice])
            #expect(try await store.contacts(userID: lower.id) == [])

            // The same name in another tenant is a different user.
            let other = Fixture.tenant("other")
            try await store.insertTenant(other, audit: Fixture.audit("tenant.create"))
            let elsewhere = Fixture.user(other, "ALICE")
            try await store.insertUser(elsewhere, contacts: [], audit: Fixture.audit("user.create"))
            #expect(try await store.user(tenantID: other.id, username: "alice") == elsewhere)
            #expect(try await store.user(tenantID: tenant.id, username: "alice") == alice)
        }
    }

    @Test("API keys read back with hash, scope and tenant", arguments: Backend.available)
    func apiKeyRoundTrip(_ backend: Backend) async throws {
        try await withStore(backend) { store, _ in
            let tenant = Fixture.tenant()
            // One millisecond apart: events of different chains are listed newest first by time.
            try await store.insertTenant(tenant, audit: Fixture.audit("tenant.create", time: Fixture.time(1)))
            let global = APIKey(id: "AbCdEf123456", name: "ops", role: .admin, tenantID: nil,
                                secretHash: APIKey.hash(secret: "s1"), createdAt: Fixture.time(5))
            let scoped = APIKey(id: "zzzzzz000000", name: "login app", role: .validate, tenantID: tenant.id,
                                secretHash: [0x00, 0x01, 0xfe, 0xff] + Array(repeating: 0x0a, count: 28), createdAt: Fixture.time(6))
            try await store.insertAPIKey(global, audit: Fixture.audit("apikey.create", tenant: nil, time: Fixture.time(2)))
            try await store.insertAPIKey(scoped, audit: Fixture.audit("apikey.create", time: Fixture.time(3)))
            #expect(try await store.apiKey(id: "AbCdEf123456") == global)
            #expect(try await store.apiKey(id: "zzzzzz000000") == scoped)
            #expect(try await store.apiKey(id: "abcdef123456") == nil)
            #expect(try await store.apiKey(id: "AbCdEf123456")?.matches(secret: "s1") == true)
            #expect(try await store.auditCount() == 3)
            let first = try await store.recentEvents(tenant: nil, limit: 3).last
            #expect(first?.record.tenant == "acme")
            let nullTenant = try await store.recentEvents(tenant: nil, limit: 2).last
            #expect(nullTenant?.record.tenant == nil)
        }
    }

    @Test("rows written by another process are found at once", arguments: Backend.available)
    func visibleAcrossProcesses(_ backend: Backend) async throws {
        try await withStore(backend) { store, db in
            let other = try await db.openStore(migrate: false)
            do {
                // Misses first, so a cache that remembered "not found" would fail below.
                #expect(try await store.tenant(named: "acme") == nil)
                #expect(try await store.apiKey(id: "AbCdEf123456") == nil)
                let tenant = Fixture.tenant()
                try await other.insertTenant(tenant, audit: Fixture.audit("tenant.create"))
                let key = APIKey(id: "AbCdEf123456", name: "ops", role: .validate, tenantID: tenant.id,
                                 secretHash: APIKey.hash(secret: "s"), createdAt: Fixture.t0)
                try await other.insertAPIKey(key, audit: Fixture.audit("apikey.create"))
                let user = Fixture.user(tenant)
                try await other.insertUser(user, contacts: [], audit: Fixture.audit("user.create"))
                #expect(try await store.tenant(named: "acme") == tenant)
                #expect(try await store.apiKey(id: "AbCdEf123456") == key)
                #expect(try await store.user(tenantID: tenant.id, username: "alice") == user)
                #expect(try await store.verifyChain().count == 3)
            } catch {
                await other.shutdown()
                throw error
            }
            await other.shutdown()
        }
    }

    @Test("the health probe answers", arguments: Backend.available)
    func reachable(_ backend: Backend) async throws {
        try await withStore(backend) { store, _ in
            #expect(await store.isReachable())
            #expect(store.kind == (backend == .sqlite ? .sqlite : .postgres))
        }
    }
}
