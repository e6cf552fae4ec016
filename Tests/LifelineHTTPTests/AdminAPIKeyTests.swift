import Foundation
import HummingbirdTesting
import LifelineApp
import LifelineCore
import Testing

/// Listing and revoking API keys (issue 13 item 5).
@Suite("Admin API: API keys")
struct AdminAPIKeyTests {
    static let keys = "/api/v1/admin/apikeys"

    /// The id part of a key `ll_<id>_<secret>`.
    static func id(_ key: String) -> String { String(key.split(separator: "_")[1]) }
    static func secret(_ key: String) -> String { String(key.split(separator: "_")[2]) }

    @Test func listShowsEveryKeyButNeverASecret() async throws {
        try await Fixture.with { fx in
            try await fx.tenant()
            let acmeKey = try await fx.key(.validate, tenant: "acme")
            try await fx.app().test(.router) { client in
                let r = try await client.send(.get, Self.keys, key: fx.adminKey)
                #expect(r.status == .ok)
                let text = String(buffer: r.body)
                for key in [fx.adminKey, fx.validateKey, acmeKey] {
                    #expect(!text.contains(Self.secret(key)), "the list shows a secret")
                    #expect(!text.contains(Hex.encode(APIKey.hash(secret: Self.secret(key)))), "the list shows a secret's hash")
                }
                let list = try jsonList(r, "api_keys")
                #expect(Set(list.compactMap { $0["id"] as? String }) == Set([fx.adminKey, fx.validateKey, acmeKey].map(Self.id)))
                let admin = try #require(list.first { $0["id"] as? String == Self.id(fx.adminKey) })
                #expect(admin["name"] as? String == "test admin")
                #expect(admin["scope"] as? String == "admin")
                #expect(admin["role"] as? String == "admin")
                #expect(admin["tenant"] is NSNull)
                #expect(admin["state"] as? String == "active")
                #expect(isRFC3339(admin["created_at"]))
                #expect(admin["expires_at"] is NSNull)
                #expect(admin["revoked_at"] is NSNull)
                #expect(isRFC3339(admin["last_used_at"]), "this very request used the key")
                #expect(admin["created_by"] as? String == "cli")
                #expect(Set(admin.keys) == ["id", "name", "scope", "role", "tenant", "state", "created_at", "expires_at", "last_used_at", "revoked_at", "created_by"])

                let acme = try jsonList(try await client.send(.get, Self.keys + "?tenant=acme", key: fx.adminKey), "api_keys")
                #expect(acme.map { $0["id"] as? String } == [Self.id(acmeKey)])
                #expect(acme.first?["tenant"] as? String == "acme")
            }
        }
    }

    @Test func aRevokedKeyIsRefusedAndTheRevocationAudited() async throws {
        try await Fixture.with { fx in
            try await fx.seedAlice()
            try await fx.app().test(.router) { client in
                #expect(try await client.validate(fx.totp(), key: fx.validateKey) == "accept")
                let r = try await client.send(.delete, Self.keys + "/" + Self.id(fx.validateKey), key: fx.adminKey)
                #expect(r.status == .ok)
                let body = try jsonObject(r)
                #expect(body["state"] as? String == "revoked")
                #expect(isRFC3339(body["revoked_at"]))
                let refused = try await client.send(.post, "/api/v1/validate", key: fx.validateKey,
                                                    json: ["tenant": "acme", "username": "alice", "code": fx.totp(1)])
                try expectError(refused, .unauthorized, "unauthorized")
                // Revoking again changes nothing and is not audited twice.
                let again = try await client.send(.delete, Self.keys + "/" + Self.id(fx.validateKey), key: fx.adminKey)
                #expect(again.status == .ok)
                #expect(try jsonObject(again)["revoked_at"] as? String == body["revoked_at"] as? String)
                let events = try await fx.runtime.store.recentEvents(tenant: nil, limit: 50).map(\.record)
                let revokes = events.filter { $0.event == "apikey.revoke" }
                #expect(revokes.count == 1)
                #expect(revokes.first?.subject == "apikey:" + Self.id(fx.validateKey))
                #expect(revokes.first?.actor == "apikey:" + Self.id(fx.adminKey))
                #expect(events.contains { $0.event == "apikey.create" && $0.subject == "apikey:" + Self.id(fx.validateKey) })
                // Unknown and malformed ids.
                try expectError(try await client.send(.delete, Self.keys + "/AAAAAAAAAAAA", key: fx.adminKey), .notFound, "not_found")
                try expectError(try await client.send(.delete, Self.keys + "/not-an-id", key: fx.adminKey), .badRequest, "invalid_request")
            }
        }
    }

    @Test func aTenantAdminKeyOnlySeesAndRevokesItsTenantsKeys() async throws {
        try await Fixture.with { fx in
            try await fx.tenant()
            try await fx.tenant("other")
            let tenantAdmin = try await fx.key(.admin, tenant: "acme")
            let acmeValidate = try await fx.key(.validate, tenant: "acme")
            let otherValidate = try await fx.key(.validate, tenant: "other")
            try await fx.app().test(.router) { client in
                let list = try jsonList(try await client.send(.get, Self.keys, key: tenantAdmin), "api_keys")
                #expect(Set(list.compactMap { $0["id"] as? String }) == [Self.id(tenantAdmin), Self.id(acmeValidate)])
                try expectError(try await client.send(.get, Self.keys + "?tenant=other", key: tenantAdmin), .forbidden, "forbidden")
                // A global key and another tenant's key do not exist for it.
                for key in [fx.adminKey, fx.validateKey, otherValidate] {
                    try expectError(try await client.send(.delete, Self.keys + "/" + Self.id(key), key: tenantAdmin), .notFound, "not_found")
                }
                #expect(try await client.send(.get, Self.keys, key: fx.adminKey).status == .ok, "the global key still works")
                #expect(try await client.send(.delete, Self.keys + "/" + Self.id(acmeValidate), key: tenantAdmin).status == .ok)
                // A key may revoke itself (a leaked key's holder can kill it at once); it stops working right away.
                #expect(try await client.send(.delete, Self.keys + "/" + Self.id(tenantAdmin), key: tenantAdmin).status == .ok)
                try expectError(try await client.send(.get, Self.keys, key: tenantAdmin), .unauthorized, "unauthorized")
            }
        }
    }

    @Test func aValidateKeyCannotListKeys() async throws {
        try await Fixture.with { fx in
            try await fx.app().test(.router) { client in
                try expectError(try await client.send(.get, Self.keys, key: fx.validateKey), .forbidden, "forbidden")
                try expectError(try await client.send(.delete, Self.keys + "/" + Self.id(fx.adminKey), key: fx.validateKey), .forbidden, "forbidden")
            }
        }
    }

    @Test func demoModeRevokesTheKeysOfItsPreviousStart() async throws {
        try await Fixture.with { fx in
            // The printed keys, each once (the text shows them in the list and in the examples).
            func seed() async throws -> [String] {
                let text = try await DemoSeeder(runtime: fx.runtime).seed(baseURL: "http://127.0.0.1:8080")
                var seen: [String] = []
                for m in text.matches(of: /ll_[A-Za-z0-9]{12}_[A-Za-z0-9]{43}/) where !seen.contains(String(m.output)) { seen.append(String(m.output)) }
                return seen
            }
            // validate, admin and the demo laptop agent's key (issue 17)
            let first = try await seed()
            #expect(first.count == 3)
            for key in first { #expect(try await fx.runtime.admin.authenticate(presentedKey: key, source: "") != nil) }
            let second = try await seed()
            #expect(second.count == 3)
            for key in first { #expect(try await fx.runtime.admin.authenticate(presentedKey: key, source: "") == nil, "a demo key of the previous start still works") }
            for key in second { #expect(try await fx.runtime.admin.authenticate(presentedKey: key, source: "") != nil) }
            // The keys that are not the demo's are left alone.
            #expect(try await fx.runtime.admin.authenticate(presentedKey: fx.adminKey, source: "") != nil)
            let events = try await fx.runtime.store.recentEvents(tenant: nil, limit: 200).map(\.record)
            #expect(events.filter { $0.event == "apikey.revoke" && $0.actor == "demo" }.count == 2)
            // The previous start's agent is revoked with its key (one event), and a new one registered.
            #expect(events.filter { $0.event == "agent.revoke" && $0.actor == "demo" }.count == 1)
            #expect(try await fx.runtime.offline.agents(tenantName: "demo", caller: Caller(actor: "demo", scope: .admin))
                .filter { $0.revokedAt == nil }.map(\.name) == ["demo-laptop"])
        }
    }

    @Test func anExpiredKeyIsRefused() async throws {
        try await Fixture.with { fx in
            let (_, key) = try await fx.runtime.admin.createAPIKey(role: .admin, tenantName: nil, name: "short", expiresAt: fx.clock.now() + 3600, caller: .cli)
            #expect(try await fx.runtime.admin.authenticate(presentedKey: key, source: "") != nil)
            fx.clock.advance(seconds: 3599)
            #expect(try await fx.runtime.admin.authenticate(presentedKey: key, source: "") != nil)
            fx.clock.advance(seconds: 1)
            #expect(try await fx.runtime.admin.authenticate(presentedKey: key, source: "") == nil, "a key is accepted at its expiry")
            try await fx.app().test(.router) { client in
                try expectError(try await client.send(.get, Self.keys, key: key), .unauthorized, "unauthorized")
                let listed = try jsonList(try await client.send(.get, Self.keys, key: fx.adminKey), "api_keys").first { $0["id"] as? String == Self.id(key) }
                #expect(listed?["state"] as? String == "expired")
                #expect(isRFC3339(listed?["expires_at"]))
            }
            // An expiry in the past, or more than 10 years ahead, is refused.
            for bad in [fx.clock.now(), fx.clock.now() + 3651 * 86_400] {
                await #expect(throws: LifelineError.self) {
                    try await fx.runtime.admin.createAPIKey(role: .admin, tenantName: nil, name: "bad", expiresAt: bad, caller: .cli)
                }
            }
            let creates = try await fx.runtime.store.recentEvents(tenant: nil, limit: 20).map(\.record).filter { $0.event == "apikey.create" && $0.subject == "apikey:" + Self.id(key) }
            #expect(creates.count == 1 && creates[0].reason.hasPrefix("admin expires "))
        }
    }

    @Test func lastUsedIsWrittenAtMostOncePerMinute() async throws {
        try await Fixture.with { fx in
            let key = try await fx.key(.validate, tenant: nil)
            func lastUsed() async throws -> Date? {
                try await fx.runtime.store.apiKeys(tenantID: nil).first { $0.id == Self.id(key) }?.lastUsedAt
            }
            #expect(try await lastUsed() == nil)
            let t0 = fx.clock.now()
            #expect(try await fx.runtime.admin.authenticate(presentedKey: key, source: "") != nil)
            #expect(try await lastUsed() == t0)
            fx.clock.advance(seconds: 59)
            #expect(try await fx.runtime.admin.authenticate(presentedKey: key, source: "") != nil)
            #expect(try await lastUsed() == t0, "written again within the minute")
            fx.clock.advance(seconds: 1)
            #expect(try await fx.runtime.admin.authenticate(presentedKey: key, source: "") != nil)
            #expect(try await lastUsed() == t0 + 60)
        }
    }
}
