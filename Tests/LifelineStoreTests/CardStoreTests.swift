import Foundation
import LifelineCore
@testable import LifelineStore
import Testing

@Suite("Store contract: smart cards")
struct CardStoreTests {
    static func card(_ user: User, _ serial: String, _ algorithm: CardKeyAlgorithm = .tripleDES, created: Int64 = 5) -> StoredCard {
        StoredCard(card: SmartCard(id: UUID(), tenantID: user.tenantID, userID: user.id, serial: serial, algorithm: algorithm,
                                   createdAt: Fixture.time(created)), key: Fixture.sealed())
    }

    @Test("cards read back with every field and their sealed key; lists are per tenant and user, by serial", arguments: Backend.available)
    func roundTrip(_ backend: Backend) async throws {
        try await withStore(backend) { store, _ in
            let (tenant, alice) = try await Fixture.seedUser(store)
            let bob = Fixture.user(tenant, "bob")
            try await store.insertUser(bob, contacts: [], audit: Fixture.audit("user.create"))
            let (other, carol) = try await Fixture.seedUser(store, tenantName: "other")
            let a1 = Self.card(alice, "SC-0002", .tripleDES), a2 = Self.card(alice, "SC-0001", .aes256), b1 = Self.card(bob, "SC-0003", .aes128)
            // The same serial in another tenant is another card.
            let c1 = Self.card(carol, "SC-0001", .aes192)
            let before = try await store.auditCount()
            for c in [a1, a2, b1] { try await store.insertCard(c, audit: Fixture.audit("card.import")) }
            try await store.insertCard(c1, audit: Fixture.audit("card.import", tenant: "other"))
            #expect(try await store.auditCount() == before + 4)

            let read = try #require(try await store.storedCard(tenantID: tenant.id, serial: "SC-0002"))
            #expect(read.card == a1.card)
            #expect(read.key == a1.key)
            #expect(read.key.text == a1.key.text)
            #expect(try await store.storedCard(tenantID: other.id, serial: "SC-0001")?.card == c1.card)
            #expect(try await store.storedCard(tenantID: other.id, serial: "SC-0002") == nil)
            #expect(try await store.storedCard(tenantID: tenant.id, serial: "sc-0002") == nil, "serials are passed normalized")

            #expect(try await store.cards(tenantID: tenant.id, userID: nil) == [a2.card, a1.card, b1.card])
            #expect(try await store.cards(tenantID: tenant.id, userID: alice.id) == [a2.card, a1.card])
            #expect(try await store.cards(tenantID: tenant.id, userID: carol.id) == [])
            #expect(try await store.cards(tenantID: other.id, userID: nil) == [c1.card])
        }
    }

    @Test("a duplicate serial in the tenant is a conflict and writes nothing, neither the card nor its audit", arguments: Backend.available)
    func duplicateSerial(_ backend: Backend) async throws {
        try await withStore(backend) { store, _ in
            let (tenant, alice) = try await Fixture.seedUser(store)
            let first = Self.card(alice, "SC-1")
            try await store.insertCard(first, audit: Fixture.audit("card.import"))
            let count = try await store.auditCount()
            let error = await #expect(throws: LifelineError.self) { try await store.insertCard(Self.card(alice, "SC-1", .aes128), audit: Fixture.audit("card.import")) }
            #expect(error?.code == .conflict)
            #expect(try await store.auditCount() == count)
            #expect(try await store.cards(tenantID: tenant.id, userID: nil) == [first.card])
        }
    }

    @Test("insertCards is all or nothing: one taken serial and no card of the batch is stored", arguments: Backend.available)
    func batchAtomic(_ backend: Backend) async throws {
        try await withStore(backend) { store, _ in
            let (tenant, alice) = try await Fixture.seedUser(store)
            let taken = Self.card(alice, "SC-9")
            try await store.insertCard(taken, audit: Fixture.audit("card.import"))
            let count = try await store.auditCount()
            let batch = [Self.card(alice, "SC-1"), Self.card(alice, "SC-2"), Self.card(alice, "SC-9")]
            let error = await #expect(throws: LifelineError.self) {
                try await store.insertCards(batch, audits: batch.map { _ in Fixture.audit("card.import") })
            }
            #expect(error?.code == .conflict)
            #expect(error?.message.contains("SC-9") == true)
            #expect(try await store.auditCount() == count)
            #expect(try await store.cards(tenantID: tenant.id, userID: nil) == [taken.card])

            let good = [Self.card(alice, "SC-1"), Self.card(alice, "SC-2")]
            try await store.insertCards(good, audits: good.map { _ in Fixture.audit("card.import") })
            #expect(try await store.auditCount() == count + 2)
            #expect(try await store.cards(tenantID: tenant.id, userID: nil).map(\.serial) == ["SC-1", "SC-2", "SC-9"])
        }
    }

    @Test("delete removes one card of its tenant and audits only when it did", arguments: Backend.available)
    func delete(_ backend: Backend) async throws {
        try await withStore(backend) { store, _ in
            let (tenant, alice) = try await Fixture.seedUser(store)
            let (other, _) = try await Fixture.seedUser(store, tenantName: "other")
            let c = Self.card(alice, "SC-1")
            try await store.insertCard(c, audit: Fixture.audit("card.import"))
            let count = try await store.auditCount()
            #expect(try await store.deleteCard(tenantID: other.id, serial: "SC-1", audit: Fixture.audit("card.delete")) == false)
            #expect(try await store.auditCount() == count)
            #expect(try await store.deleteCard(tenantID: tenant.id, serial: "SC-1", audit: Fixture.audit("card.delete")))
            #expect(try await store.auditCount() == count + 1)
            #expect(try await store.storedCard(tenantID: tenant.id, serial: "SC-1") == nil)
            #expect(try await store.deleteCard(tenantID: tenant.id, serial: "SC-1", audit: Fixture.audit("card.delete")) == false)
            // The serial is free again.
            try await store.insertCard(Self.card(alice, "SC-1"), audit: Fixture.audit("card.import"))
        }
    }

    @Test("sealed keys are listed for rotation and resealed only over the value read (compare-and-set)", arguments: Backend.available)
    func reseal(_ backend: Backend) async throws {
        try await withStore(backend) { store, _ in
            let (tenant, alice) = try await Fixture.seedUser(store)
            let c1 = Self.card(alice, "SC-1"), c2 = Self.card(alice, "SC-2")
            for c in [c1, c2] { try await store.insertCard(c, audit: Fixture.audit("card.import")) }
            let listed = try await store.sealedCardKeys()
            #expect(Dictionary(uniqueKeysWithValues: listed.map { ($0.id, $0.key) }) == [c1.card.id: c1.key, c2.card.id: c2.key])

            let new = Fixture.sealed("k0002")
            #expect(try await store.resealCard(id: c1.card.id, old: Fixture.sealed(), new: new) == false)
            #expect(try await store.resealCard(id: c1.card.id, old: c1.key, new: new))
            #expect(try await store.resealCard(id: c1.card.id, old: c1.key, new: Fixture.sealed("k0003")) == false)
            #expect(try await store.storedCard(tenantID: tenant.id, serial: "SC-1")?.key == new)
            #expect(try await store.storedCard(tenantID: tenant.id, serial: "SC-2")?.key == c2.key)
        }
    }
}
