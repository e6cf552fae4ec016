import Foundation
import HummingbirdTesting
import LifelineCore
import Testing

@Suite("Admin API: tenants, users, contacts, audit")
struct AdminTenantUserTests {
    @Test func createAndListTenants() async throws {
        try await Fixture.with { fx in
            let acmeAdmin: String = try await {
                try await fx.tenant("acme")
                return try await fx.key(.admin, tenant: "acme")
            }()
            try await fx.app().test(.router) { client in
                let r = try await client.send(.post, "/api/v1/admin/tenants", key: fx.adminKey, json: ["name": "globex", "display_name": "Globex Corp"])
                #expect(r.status == .created)
                #expect(r.headers[.contentType] == "application/json")
                let t = try jsonObject(r)
                #expect(t["name"] as? String == "globex")
                #expect(t["display_name"] as? String == "Globex Corp")
                #expect(isUUID(t["id"]))
                #expect(isRFC3339(t["created_at"]))

                // display_name defaults to the name.
                let plain = try jsonObject(try await client.send(.post, "/api/v1/admin/tenants", key: fx.adminKey, json: ["name": "initech"]))
                #expect(plain["display_name"] as? String == "initech")

                try expectError(try await client.send(.post, "/api/v1/admin/tenants", key: fx.adminKey, json: ["name": "globex"]), .conflict, "conflict")
                for bad in ["Bad_Name", "", "-dash", String(repeating: "a", count: 64), "a b"] {
                    try expectError(try await client.send(.post, "/api/v1/admin/tenants", key: fx.adminKey, json: ["name": bad]),
                                    .badRequest, "invalid_request")
                }
                try expectError(try await client.send(.post, "/api/v1/admin/tenants", key: fx.adminKey, body: #"{"name":7}"#), .badRequest, "invalid_json")
                try expectError(try await client.send(.post, "/api/v1/admin/tenants", key: acmeAdmin, json: ["name": "mine"]), .forbidden, "forbidden")
                try expectError(try await client.send(.post, "/api/v1/admin/tenants", key: fx.validateKey, json: ["name": "mine"]), .forbidden, "forbidden")
                try expectError(try await client.send(.post, "/api/v1/admin/tenants", json: ["name": "mine"]), .unauthorized, "unauthorized")

                let all = try jsonList(try await client.send(.get, "/api/v1/admin/tenants", key: fx.adminKey), "tenants")
                #expect(all.compactMap { $0["name"] as? String }.sorted() == ["acme", "globex", "initech"])
                let own = try jsonList(try await client.send(.get, "/api/v1/admin/tenants", key: acmeAdmin), "tenants")
                #expect(own.compactMap { $0["name"] as? String } == ["acme"])
            }
        }
    }

    @Test func tenantScopedAdminKeyStaysInItsTenant() async throws {
        try await Fixture.with { fx in
            try await fx.seedAlice()
            try await fx.tenant("other")
            try await fx.user("olga", tenant: "other")
            let acmeAdmin = try await fx.key(.admin, tenant: "acme")
            try await fx.app().test(.router) { client in
                #expect(try await client.send(.get, "/api/v1/admin/tenants/acme/users", key: acmeAdmin).status == .ok)
                // Another tenant, existing or not, is forbidden alike (so the key learns nothing about it).
                try expectError(try await client.send(.get, "/api/v1/admin/tenants/other/users", key: acmeAdmin), .forbidden, "forbidden")
                try expectError(try await client.send(.get, "/api/v1/admin/tenants/nowhere/users", key: acmeAdmin), .forbidden, "forbidden")
                try expectError(try await client.send(.get, "/api/v1/admin/tenants/other/users/olga", key: acmeAdmin), .forbidden, "forbidden")
                try expectError(try await client.send(.post, "/api/v1/admin/tenants/other/users", key: acmeAdmin, json: ["username": "x"]),
                                .forbidden, "forbidden")
                try expectError(try await client.send(.get, "/api/v1/admin/audit?tenant=other", key: acmeAdmin), .forbidden, "forbidden")
                #expect(try await client.send(.get, "/api/v1/admin/audit?tenant=acme", key: acmeAdmin).status == .ok)
                // A global admin key gets 404 for a tenant that does not exist.
                try expectError(try await client.send(.get, "/api/v1/admin/tenants/nowhere/users", key: fx.adminKey), .notFound, "not_found")
            }
        }
    }

    @Test func createGetListUsers() async throws {
        try await Fixture.with { fx in
            try await fx.tenant()
            try await fx.app().test(.router) { client in
                let r = try await client.send(.post, "/api/v1/admin/tenants/acme/users", key: fx.adminKey,
                                              json: ["username": "Alice", "display_name": "Alice Novak", "language": "cs", "status": "active"])
                #expect(r.status == .created)
                let u = try jsonObject(r)
                #expect(isUUID(u["id"]))
                #expect(u["tenant"] as? String == "acme")
                #expect(u["username"] as? String == "Alice")
                #expect(u["display_name"] as? String == "Alice Novak")
                #expect(u["language"] as? String == "cs")
                #expect(u["status"] as? String == "active")
                #expect(isRFC3339(u["created_at"]))

                let bob = try jsonObject(try await client.send(.post, "/api/v1/admin/tenants/acme/users", key: fx.adminKey, json: ["username": "bob"]))
                #expect(bob["display_name"] as? String == "bob")
                #expect(bob["language"] as? String == "en")
                #expect(bob["status"] as? String == "active")

                // Usernames are unique case-insensitively.
                try expectError(try await client.send(.post, "/api/v1/admin/tenants/acme/users", key: fx.adminKey, json: ["username": "alice"]),
                                .conflict, "conflict")
                try expectError(try await client.send(.post, "/api/v1/admin/tenants/acme/users", key: fx.adminKey, json: ["username": "BOB"]),
                                .conflict, "conflict")
                for bad in ["", "bad\u{01}name", " padded", "trailing ", String(repeating: "x", count: 257), "a" + String(repeating: "\u{301}", count: 200)] {
                    try expectError(try await client.send(.post, "/api/v1/admin/tenants/acme/users", key: fx.adminKey, json: ["username": bad]),
                                    .badRequest, "invalid_request")
                }
                try expectError(try await client.send(.post, "/api/v1/admin/tenants/acme/users", key: fx.adminKey,
                                                      json: ["username": "carol", "status": "sleeping"]), .badRequest, "invalid_request")
                try expectError(try await client.send(.post, "/api/v1/admin/tenants/acme/users", key: fx.adminKey,
                                                      json: ["username": "carol", "language": "english"]), .badRequest, "invalid_request")
                try expectError(try await client.send(.post, "/api/v1/admin/tenants/acme/users", key: fx.adminKey, json: [:]),
                                .badRequest, "invalid_request")
                try expectError(try await client.send(.post, "/api/v1/admin/tenants/nowhere/users", key: fx.adminKey, json: ["username": "x"]),
                                .notFound, "not_found")

                let got = try jsonObject(try await client.send(.get, "/api/v1/admin/tenants/acme/users/alice", key: fx.adminKey))
                #expect(got["id"] as? String == u["id"] as? String)
                #expect(got["username"] as? String == "Alice")
                try expectError(try await client.send(.get, "/api/v1/admin/tenants/acme/users/nobody", key: fx.adminKey), .notFound, "not_found")

                let list = try jsonList(try await client.send(.get, "/api/v1/admin/tenants/acme/users", key: fx.adminKey), "users")
                #expect(list.compactMap { $0["username"] as? String } == ["Alice", "bob"])
            }
        }
    }

    @Test func patchUserAndDisabledUserIsRejected() async throws {
        try await Fixture.with { fx in
            try await fx.seedAlice()
            try await fx.app().test(.router) { client in
                let r = try await client.send(.patch, "/api/v1/admin/tenants/acme/users/alice", key: fx.adminKey,
                                              json: ["status": "disabled", "display_name": "Alice N.", "language": "nb"])
                #expect(r.status == .ok)
                let u = try jsonObject(r)
                #expect(u["status"] as? String == "disabled")
                #expect(u["display_name"] as? String == "Alice N.")
                #expect(u["language"] as? String == "nb")
                #expect(try await client.validate(fx.totp(), key: fx.validateKey) == "reject")

                // Fields left out stay as they are.
                let back = try jsonObject(try await client.send(.patch, "/api/v1/admin/tenants/acme/users/alice", key: fx.adminKey,
                                                                json: ["status": "active"]))
                #expect(back["status"] as? String == "active")
                #expect(back["display_name"] as? String == "Alice N.")
                #expect(try await client.validate(fx.totp(), key: fx.validateKey) == "accept")

                try expectError(try await client.send(.patch, "/api/v1/admin/tenants/acme/users/alice", key: fx.adminKey, json: ["status": "gone"]),
                                .badRequest, "invalid_request")
                try expectError(try await client.send(.patch, "/api/v1/admin/tenants/acme/users/alice", key: fx.adminKey, body: #"{"status":true}"#),
                                .badRequest, "invalid_json")
                try expectError(try await client.send(.patch, "/api/v1/admin/tenants/acme/users/nobody", key: fx.adminKey, json: ["status": "active"]),
                                .notFound, "not_found")
            }
        }
    }

    @Test func contacts() async throws {
        try await Fixture.with { fx in
            try await fx.seedAlice()
            try await fx.app().test(.router) { client in
                let base = "/api/v1/admin/tenants/acme/users/alice/contacts"
                let phone = try await client.send(.post, base, key: fx.adminKey, json: ["kind": "phone", "value": "+420 777 123 789", "verified": true])
                #expect(phone.status == .created)
                let p = try jsonObject(phone)
                #expect(p["kind"] as? String == "phone")
                #expect(p["value"] as? String == "+420777123789")
                #expect(p["verified"] as? Bool == true)
                #expect(isUUID(p["id"]))
                #expect(isRFC3339(p["created_at"]))

                let email = try jsonObject(try await client.send(.post, base, key: fx.adminKey, json: ["kind": "email", "value": "Alice@Example.COM"]))
                #expect(email["value"] as? String == "Alice@example.com")
                #expect(email["verified"] as? Bool == false)

                for bad in ["777 123 789", "+420 abc", "+1 23", ""] {
                    try expectError(try await client.send(.post, base, key: fx.adminKey, json: ["kind": "phone", "value": bad]), .badRequest, "invalid_request")
                }
                for bad in ["alice", "alice@", "@example.com", "alice@example", "a lice@example.com"] {
                    try expectError(try await client.send(.post, base, key: fx.adminKey, json: ["kind": "email", "value": bad]), .badRequest, "invalid_request")
                }
                try expectError(try await client.send(.post, base, key: fx.adminKey, json: ["kind": "fax", "value": "1"]), .badRequest, "invalid_request")
                try expectError(try await client.send(.post, "/api/v1/admin/tenants/acme/users/nobody/contacts", key: fx.adminKey,
                                                      json: ["kind": "email", "value": "a@b.cz"]), .notFound, "not_found")

                let list = try jsonList(try await client.send(.get, base, key: fx.adminKey), "contacts")
                #expect(list.count == 2)
                #expect(Set(list.compactMap { $0["value"] as? String }) == ["+420777123789", "Alice@example.com"])
            }
        }
    }

    @Test func auditShowsValidationsAndEnrollments() async throws {
        try await Fixture.with { fx in
            try await fx.seedAlice()
            try await fx.app().test(.router) { client in
                #expect(try await client.validate(fx.totp(), key: fx.validateKey) == "accept")
                #expect(try await client.validate(fx.wrongCode(), key: fx.validateKey) == "reject")

                let r = try await client.send(.get, "/api/v1/admin/audit?tenant=acme&limit=100", key: fx.adminKey)
                #expect(r.status == .ok)
                let events = try jsonList(r, "events")
                let validations = events.filter { $0["event"] as? String == "validate" }
                #expect(validations.compactMap { $0["outcome"] as? String }.sorted() == ["accept", "reject"])
                #expect(validations.allSatisfy { $0["subject"] as? String == "alice" && $0["tenant"] as? String == "acme" })
                #expect(validations.allSatisfy { ($0["actor"] as? String)?.hasPrefix("apikey:") == true })
                #expect(events.contains { $0["event"] as? String == "token.enroll" && $0["outcome"] as? String == "success" })
                #expect(events.allSatisfy { $0["seq"] is Int && isRFC3339($0["time"]) && $0["source"] is String && $0["reason"] is String })
                // Newest first.
                let seqs = events.compactMap { $0["seq"] as? Int }
                #expect(seqs == seqs.sorted(by: >))
                // No secret, no code ever reaches the audit.
                #expect(!String(buffer: r.body).contains(testSecretBase32))

                let one = try jsonList(try await client.send(.get, "/api/v1/admin/audit?limit=1", key: fx.adminKey), "events")
                #expect(one.count == 1)
                for bad in ["limit=0", "limit=1001", "limit=ten"] {
                    try expectError(try await client.send(.get, "/api/v1/admin/audit?\(bad)", key: fx.adminKey), .badRequest, "invalid_request")
                }
                try expectError(try await client.send(.get, "/api/v1/admin/audit?tenant=nowhere", key: fx.adminKey), .notFound, "not_found")
                try expectError(try await client.send(.get, "/api/v1/admin/audit", key: fx.validateKey), .forbidden, "forbidden")
            }
        }
    }
}
