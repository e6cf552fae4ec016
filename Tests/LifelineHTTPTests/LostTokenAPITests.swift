import Foundation
import HTTPTypes
import HummingbirdTesting
import LifelineApp
import LifelineCore
import NIOCore
import Testing

/// The lost-token admin API (docs/lost-token.md): `POST …/tokens/{id}/lost` → 201 with the code once, validate accepts
/// it, `DELETE …/tokens/{id}/lost` → 204 ends it; bad input → 4xx JSON; unknown token → 404; permissions.
@Suite("Lost token (API)")
struct LostTokenAPITests {
    static func uri(_ id: String) -> String { "/api/v1/admin/tenants/acme/tokens/\(id)/lost" }

    @Test func markValidateEnableEnd() async throws {
        try await Fixture.with { fx in
            let id = try await fx.seedAlice().uuidString.lowercased()
            try await fx.app().test(.router) { client async throws in
                let r = try await client.send(.post, Self.uri(id), key: fx.adminKey)
                #expect(r.status == .created)
                let body = try jsonObject(r)
                let code = try #require(body["code"] as? String)
                #expect(code.count == 12)
                #expect((body["expires_at"] as? String)?.hasSuffix("Z") == true)
                #expect(body["token_id"] as? String == id && body["with_pin"] as? Bool == false)
                #expect(try await client.validate(fx.totp(), key: fx.validateKey) == "reject", "the token is disabled")
                #expect(try await client.validate(code, key: fx.validateKey) == "accept")
                #expect(try await client.validate(code, key: fx.validateKey) == "accept", "multi-use")
                // Marking again: the token is no longer active or locked.
                let again = try await client.send(.post, Self.uri(id), key: fx.adminKey)
                #expect(again.status == .conflict)
                #expect(try jsonObject(again)["error"] != nil)
                // Found: enabled again, which ends the code.
                #expect(try await client.send(.post, "/api/v1/admin/tenants/acme/tokens/\(id)/enable", key: fx.adminKey).status == .ok)
                #expect(try await client.validate(code, key: fx.validateKey) == "reject")
                #expect(try await client.send(.delete, Self.uri(id), key: fx.adminKey).status == .notFound, "nothing live to end")
                // Marked again and ended by DELETE: 204, the code refused, the token still disabled.
                let second = try #require(try jsonObject(try await client.send(.post, Self.uri(id), key: fx.adminKey))["code"] as? String)
                #expect(try await client.send(.delete, Self.uri(id), key: fx.adminKey).status == .noContent)
                #expect(try await client.validate(second, key: fx.validateKey) == "reject")
                let token = try jsonObject(try await client.send(.get, "/api/v1/admin/tenants/acme/tokens/\(id)", key: fx.adminKey))
                #expect(token["state"] as? String == "disabled")
            }
            let events = try await fx.runtime.store.recentEvents(tenant: "acme", limit: 100).map(\.record.event)
            #expect(events.filter { $0 == "token.lost" }.count == 2 && events.filter { $0 == "token.lost_end" }.count == 2)
        }
    }

    @Test func badInputUnknownTokenAndPermissions() async throws {
        try await Fixture.with { fx in
            let id = try await fx.seedAlice().uuidString.lowercased()
            let auditor = try await fx.key(.auditor, tenant: nil)
            let helpdesk = try await fx.key(.helpdesk, tenant: "acme")
            try await fx.app().test(.router) { client async throws in
                for (uri, status) in [(Self.uri("not-a-uuid"), HTTPResponse.Status.badRequest), (Self.uri(UUID().uuidString), .notFound),
                                      ("/api/v1/admin/tenants/nope/tokens/\(id)/lost", .notFound)] {
                    for method in [HTTPRequest.Method.post, .delete] {
                        let r = try await client.send(method, uri, key: fx.adminKey)
                        #expect(r.status == status, "\(method) \(uri)")
                        #expect(try jsonObject(r)["error"] != nil)
                    }
                }
                #expect(try await client.send(.post, Self.uri(id), key: nil).status == .unauthorized)
                #expect(try await client.send(.post, Self.uri(id), key: fx.validateKey).status == .forbidden)
                #expect(try await client.send(.post, Self.uri(id), key: auditor).status == .forbidden)
                let token = try jsonObject(try await client.send(.get, "/api/v1/admin/tenants/acme/tokens/\(id)", key: fx.adminKey))
                #expect(token["state"] as? String == "active", "a refused mark changes nothing")
                #expect(try await client.send(.post, Self.uri(id), key: helpdesk).status == .created, "the helpdesk may")
            }
        }
    }
}
