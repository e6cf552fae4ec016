import Foundation
import LifelineCore
@testable import LifelineStore
import Testing

/// ``UserStore/deleteContact(id:userID:audit:)`` on every backend: only the named user's contact goes, with its audit
/// record in the same transaction; nothing is written for a contact the user does not have.
@Suite("Store contract: deleting a contact")
struct ContactDeletionStoreTests {
    @Test("a contact is deleted with its audit record; another user's contact or an unknown id writes nothing", arguments: Backend.available)
    func deleteContact(_ backend: Backend) async throws {
        try await withStore(backend) { store, _ in
            let tenant = Fixture.tenant()
            try await store.insertTenant(tenant, audit: Fixture.audit("tenant.create"))
            let alice = Fixture.user(tenant, "alice"), bob = Fixture.user(tenant, "bob")
            let mail = Contact(id: UUID(), userID: alice.id, kind: .email, value: "a@example.com", verified: true, createdAt: Fixture.time(1))
            let phone = Contact(id: UUID(), userID: alice.id, kind: .phone, value: "+420777123789", verified: false, createdAt: Fixture.time(2))
            try await store.insertUser(alice, contacts: [mail, phone], audit: Fixture.audit("user.create"))
            try await store.insertUser(bob, contacts: [], audit: Fixture.audit("user.create", subject: "bob"))
            let before = try await store.auditCount()
            #expect(try await store.deleteContact(id: mail.id, userID: bob.id, audit: Fixture.audit("contact.remove", subject: "bob")) == false)
            #expect(try await store.deleteContact(id: UUID(), userID: alice.id, audit: Fixture.audit("contact.remove")) == false)
            #expect(try await store.auditCount() == before)
            #expect(try await store.deleteContact(id: mail.id, userID: alice.id, audit: Fixture.audit("contact.remove")) == true)
            #expect(try await store.contacts(userID: alice.id) == [phone])
            #expect(try await store.auditCount() == before + 1)
            #expect(try await store.recentEvents(tenant: "acme", limit: 1).first?.record.event == "contact.remove")
        }
    }
}
