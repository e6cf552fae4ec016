import Foundation
import HummingbirdTesting
import LifelineCore
import Testing

@Suite("Admin API: smart cards")
struct AdminCardTests {
    static let aliceCards = "/api/v1/admin/tenants/acme/users/alice/cards"
    static let cards = "/api/v1/admin/tenants/acme/cards"

    static func randomHex(_ bytes: Int) -> String { Hex.encode((0..<bytes).map { _ in UInt8.random(in: 0...255) }) }

    @Test func importListDeleteWithoutEverShowingTheKey() async throws {
        try await Fixture.with { fx in
            try await fx.tenant()
            try await fx.user()
            try await fx.user("bob")
            try await fx.app().test(.router) { client in
                let key = Self.randomHex(24)
                let r = try await client.send(.post, Self.aliceCards, key: fx.adminKey, json: ["serial": " sc-0001 ", "algorithm": "3des", "key": key])
                #expect(r.status == .created)
                let card = try jsonObject(r)
                #expect(isUUID(card["id"]))
                #expect(card["tenant"] as? String == "acme")
                #expect(card["username"] as? String == "alice")
                #expect(card["serial"] as? String == "SC-0001")
                #expect(card["algorithm"] as? String == "3des")
                #expect(isRFC3339(card["created_at"]))
                #expect(Set(card.keys) == ["id", "tenant", "username", "serial", "algorithm", "created_at"])

                let b = try await client.send(.post, "/api/v1/admin/tenants/acme/users/bob/cards", key: fx.adminKey,
                                              json: ["serial": "SC-0000", "algorithm": "aes256", "key": Self.randomHex(32)])
                #expect(b.status == .created)

                let all = try await client.send(.get, Self.cards, key: fx.adminKey)
                #expect(all.status == .ok)
                #expect(try jsonList(all, "cards").map { $0["serial"] as? String } == ["SC-0000", "SC-0001"])
                #expect(try jsonList(all, "cards").map { $0["username"] as? String } == ["bob", "alice"])
                let mine = try await client.send(.get, Self.aliceCards, key: fx.adminKey)
                #expect(try jsonList(mine, "cards").map { $0["serial"] as? String } == ["SC-0001"])
                for body in [r, all, mine] {
                    #expect(!String(buffer: body.body).lowercased().contains(key), "the key must never be returned")
                }

                let gone = try await client.send(.delete, "\(Self.cards)/sc-0001", key: fx.adminKey)
                #expect(gone.status == .noContent)
                try expectError(try await client.send(.delete, "\(Self.cards)/SC-0001", key: fx.adminKey), .notFound, "not_found")
                #expect(try jsonList(try await client.send(.get, Self.aliceCards, key: fx.adminKey), "cards").isEmpty)

                let events = try await fx.runtime.store.recentEvents(tenant: "acme", limit: 10).map(\.record)
                #expect(events.contains { $0.event == "card.import" && $0.reason == "serial SC-0001 3des" && $0.actor.hasPrefix("apikey:") })
                #expect(events.contains { $0.event == "card.delete" && $0.subject == "alice" })
                #expect(!events.contains { $0.reason.lowercased().contains(key) })
            }
        }
    }

    @Test func refusals() async throws {
        try await Fixture.with { fx in
            try await fx.tenant()
            try await fx.user()
            try await fx.app().test(.router) { client in
                func post(_ body: [String: Any], to path: String = Self.aliceCards) async throws -> TestResponse {
                    try await client.send(.post, path, key: fx.adminKey, json: body)
                }
                let aes = Self.randomHex(16)
                // Default and blank keys.
                try expectError(try await post(["serial": "A", "algorithm": "3des", "key": "010203040506070801020304050607080102030405060708"]),
                                .badRequest, "invalid_request")
                try expectError(try await post(["serial": "A", "algorithm": "aes128", "key": String(repeating: "0", count: 32)]), .badRequest, "invalid_request")
                // Degenerate 3DES (K1 = K2).
                let k = Self.randomHex(8)
                try expectError(try await post(["serial": "A", "algorithm": "3des", "key": k + k + Self.randomHex(8)]), .badRequest, "invalid_request")
                // Bad lengths and not hex.
                try expectError(try await post(["serial": "A", "algorithm": "aes256", "key": aes]), .badRequest, "invalid_request")
                try expectError(try await post(["serial": "A", "algorithm": "3des", "key": aes]), .badRequest, "invalid_request")
                try expectError(try await post(["serial": "A", "algorithm": "aes128", "key": "zz" + aes.dropFirst(2)]), .badRequest, "invalid_request")
                // Unknown algorithm, bad serial, missing and mistyped fields.
                let unknown = try await post(["serial": "A", "algorithm": "des", "key": aes])
                try expectError(unknown, .badRequest, "invalid_request")
                #expect(try jsonObject(unknown)["message"] as? String == "algorithm must be one of 3des, aes128, aes192, aes256")
                try expectError(try await post(["serial": "A/B", "algorithm": "aes128", "key": aes]), .badRequest, "invalid_request")
                try expectError(try await post(["serial": "", "algorithm": "aes128", "key": aes]), .badRequest, "invalid_request")
                try expectError(try await post(["serial": "A", "algorithm": "aes128"]), .badRequest, "invalid_request")
                try expectError(try await post(["serial": 7, "algorithm": "aes128", "key": aes]), .badRequest, "invalid_json")
                try expectError(try await client.send(.post, Self.aliceCards, key: fx.adminKey, body: "{"), .badRequest, "invalid_json")
                // Unknown user and tenant.
                try expectError(try await post(["serial": "A", "algorithm": "aes128", "key": aes], to: "/api/v1/admin/tenants/acme/users/nobody/cards"),
                                .notFound, "not_found")
                try expectError(try await post(["serial": "A", "algorithm": "aes128", "key": aes], to: "/api/v1/admin/tenants/nope/users/alice/cards"),
                                .notFound, "not_found")
                try expectError(try await client.send(.get, "/api/v1/admin/tenants/acme/users/nobody/cards", key: fx.adminKey), .notFound, "not_found")
                try expectError(try await client.send(.delete, "\(Self.cards)/A%2FB", key: fx.adminKey), .badRequest, "invalid_request")
                // Nothing was stored by any of these.
                #expect(try jsonList(try await client.send(.get, Self.cards, key: fx.adminKey), "cards").isEmpty)
                // Duplicate serial (case-insensitive).
                #expect(try await post(["serial": "A", "algorithm": "aes128", "key": aes]).status == .created)
                try expectError(try await post(["serial": "a", "algorithm": "aes192", "key": Self.randomHex(24)]), .conflict, "conflict")
                // Keys and scopes: no key, a validate key, another tenant's key.
                try expectError(try await client.send(.get, Self.cards), .unauthorized, "unauthorized")
                try expectError(try await client.send(.get, Self.cards, key: fx.validateKey), .forbidden, "forbidden")
                try await fx.tenant("other")
                let otherKey = try await fx.key(.admin, tenant: "other")
                try expectError(try await client.send(.get, Self.cards, key: otherKey), .forbidden, "forbidden")
                try expectError(try await client.send(.put, Self.cards, key: fx.adminKey), .methodNotAllowed, "method_not_allowed")
            }
        }
    }
}
