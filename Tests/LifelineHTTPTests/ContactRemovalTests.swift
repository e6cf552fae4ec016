import Foundation
import HummingbirdTesting
import LifelineCore
import Testing

/// Removing a contact (issue 15: a useradmin edits contacts; the console's edit page and the admin API share the use case).
@Suite("Admin API: removing a contact")
struct ContactRemovalTests {
    @Test("DELETE …/contacts/{id} removes the user's contact, audited; a second time, another user's or a malformed id is 404")
    func removesAContact() async throws {
        try await Fixture.with { fx in
            try await fx.seedAlice()
            try await fx.user("bob")
            try await fx.app().test(.router) { client in
                let added = try jsonObject(try await client.send(.post, "/api/v1/admin/tenants/acme/users/alice/contacts", key: fx.adminKey,
                                                                  json: ["kind": "phone", "value": "+420777123789", "verified": true]))
                let id = try #require(added["id"] as? String)
                try expectError(try await client.send(.delete, "/api/v1/admin/tenants/acme/users/bob/contacts/\(id)", key: fx.adminKey),
                                .notFound, "not_found")
                let r = try await client.send(.delete, "/api/v1/admin/tenants/acme/users/alice/contacts/\(id)", key: fx.adminKey)
                #expect(r.status == .noContent)
                let list = try jsonObject(try await client.send(.get, "/api/v1/admin/tenants/acme/users/alice/contacts", key: fx.adminKey))
                #expect((list["contacts"] as? [Any])?.isEmpty == true)
                try expectError(try await client.send(.delete, "/api/v1/admin/tenants/acme/users/alice/contacts/\(id)", key: fx.adminKey),
                                .notFound, "not_found")
                try expectError(try await client.send(.delete, "/api/v1/admin/tenants/acme/users/alice/contacts/nope", key: fx.adminKey),
                                .notFound, "not_found")
            }
            let events = try await fx.runtime.store.recentEvents(tenant: "acme", limit: 50).filter { $0.record.event == "contact.remove" }
            #expect(events.count == 1)
            #expect(events.first?.record.subject == "alice")
            #expect(events.first?.record.reason == "phone")
        }
    }
}
