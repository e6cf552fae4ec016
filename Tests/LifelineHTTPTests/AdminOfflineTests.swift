import Foundation
import HummingbirdTesting
import LifelineCore
import Testing

/// The offline admin routes (issue 17): agents, a user's windows, a token's offline emergency access tokencodes, groups.
@Suite("Admin API: offline")
struct AdminOfflineTests {
    static let agents = "/api/v1/admin/tenants/acme/agents"

    @Test("register answers 201 with the key once (no-store); the list never shows it; revoke 204 (again 204), unknown 404; the key then fails")
    func agentsLifecycle() async throws {
        try await Fixture.with { fx in
            try await fx.seedAlice()
            try await fx.app().test(.router) { client in
                let created = try await client.send(.post, Self.agents, key: fx.adminKey, body: #"{"name":"laptop-1"}"#)
                #expect(created.status == .created)
                #expect(created.headers[.cacheControl] == "no-store")
                let agent = try jsonObject(created)
                let key = try #require(agent["key"] as? String)
                #expect(key.hasPrefix("ll_") && agent["name"] as? String == "laptop-1" && agent["state"] as? String == "live")
                let id = try #require(agent["id"] as? String)
                let list = try await client.send(.get, Self.agents, key: fx.adminKey)
                #expect(list.status == .ok)
                #expect(!String(buffer: list.body).contains(key))
                let listed = try #require(try jsonObject(list)["agents"] as? [[String: Any]])
                #expect(listed.count == 1 && listed[0]["key"] is NSNull)
                // The agent's key works on the agent API (a reject for a wrong code is still 200).
                #expect(try await client.send(.post, AgentAPITests.auth, key: key, body: fx.agentBody(passcode: fx.wrongCode())).status == .ok)
                #expect(try await client.send(.delete, Self.agents + "/" + id, key: fx.adminKey).status == .noContent)
                // Again: nothing changes, still 204 (DELETE is idempotent); an unknown id is 404.
                #expect(try await client.send(.delete, Self.agents + "/" + id, key: fx.adminKey).status == .noContent)
                #expect(try await client.send(.delete, Self.agents + "/not-a-uuid", key: fx.adminKey).status == .notFound)
                #expect(try await client.send(.delete, Self.agents + "/" + UUID().uuidString, key: fx.adminKey).status == .notFound)
                #expect(try await client.send(.post, AgentAPITests.auth, key: key, body: fx.agentBody(passcode: fx.wrongCode())).status == .unauthorized)
            }
        }
    }

    @Test("permissions: an auditor key lists agents but may not register; a helpdesk key may not; unknown tenant 404; bad bodies 400")
    func agentPermissions() async throws {
        try await Fixture.with { fx in
            try await fx.seedAlice()
            let auditor = try await fx.key(.auditor, tenant: "acme")
            let helpdesk = try await fx.key(.helpdesk, tenant: "acme")
            try await fx.app().test(.router) { client in
                let listed = try await client.send(.get, Self.agents, key: auditor)
                #expect(listed.status == .ok)
                #expect(try await client.send(.post, Self.agents, key: auditor, body: #"{"name":"x"}"#).status == .forbidden)
                #expect(try await client.send(.post, Self.agents, key: helpdesk, body: #"{"name":"x"}"#).status == .forbidden)
                #expect(try await client.send(.get, "/api/v1/admin/tenants/nope/agents", key: fx.adminKey).status == .notFound)
                #expect(try await client.send(.post, Self.agents, key: fx.adminKey, body: #"{"nom":"x"}"#).status == .badRequest)
                #expect(try await client.send(.post, Self.agents, key: fx.adminKey, body: #"{"name":""}"#).status == .badRequest)
                #expect(try await client.send(.post, Self.agents, key: fx.adminKey, body: "{").status == .badRequest)
                #expect(try await client.send(.get, Self.agents).status == .unauthorized)
            }
        }
    }

    @Test("emergency tokencodes: read, reset (not downloaded), online use on; validate then accepts the passcode kind; auditor 403")
    func emergencyCodes() async throws {
        try await Fixture.with { fx in
            let token = try await fx.seedAlice()
            try await fx.offlinePolicy()
            let auditor = try await fx.key(.auditor, tenant: "acme")
            let path = "/api/v1/admin/tenants/acme/tokens/\(token.uuidString.lowercased())/offline-emergency"
            try await fx.app().test(.router) { client in
                let first = try await client.send(.get, path, key: fx.adminKey)
                #expect(first.status == .ok && first.headers[.cacheControl] == "no-store")
                #expect(try jsonObject(first)["permitted"] as? Bool == true)
                let reset = try jsonObject(try await client.send(.post, path + "/reset", key: fx.adminKey))
                let passcode = try #require(reset["passcode"] as? String)
                #expect(reset["tokencode"] is String && reset["downloaded"] as? Bool == false && reset["online_use"] as? Bool == false)
                #expect(reset["needs_pin"] as? Bool == false)
                let validate = #"{"tenant":"acme","username":"alice","code":"\#(passcode)"}"#
                #expect(String(buffer: try await client.send(.post, "/api/v1/validate", key: fx.validateKey, body: validate).body).contains("reject"))
                let on = try await client.send(.put, path, key: fx.adminKey, body: #"{"online_use":true}"#)
                #expect(on.status == .ok)
                #expect(try jsonObject(on)["online_use"] as? Bool == true)
                #expect(String(buffer: try await client.send(.post, "/api/v1/validate", key: fx.validateKey, body: validate).body).contains("accept"))
                #expect(try await client.send(.put, path, key: fx.adminKey, body: #"{"online_use":"yes"}"#).status == .badRequest)
                #expect(try await client.send(.put, path, key: fx.adminKey, body: "{}").status == .badRequest)
                #expect(try await client.send(.get, path, key: auditor).status == .forbidden)
                #expect(try await client.send(.get, "/api/v1/admin/tenants/acme/tokens/\(UUID().uuidString)/offline-emergency", key: fx.adminKey).status == .notFound)
                #expect(try await client.send(.get, "/api/v1/admin/tenants/acme/tokens/x/offline-emergency", key: fx.adminKey).status == .notFound)
            }
        }
    }

    @Test("windows: an online authentication through an agent is listed; DELETE ends it; groups are read and replaced")
    func windowsAndGroups() async throws {
        try await Fixture.with { fx in
            try await fx.seedAlice()
            try await fx.offlinePolicy()
            let key = try await fx.agent().key
            let windows = "/api/v1/admin/tenants/acme/users/alice/offline"
            let groups = "/api/v1/admin/tenants/acme/users/alice/groups"
            try await fx.app().test(.router) { client in
                #expect(try agentAnswer(try await client.send(.post, AgentAPITests.auth, key: key, body: fx.agentBody(passcode: fx.totp()))).result == "accept")
                let listed = try #require(try jsonObject(try await client.send(.get, windows, key: fx.adminKey))["windows"] as? [[String: Any]])
                #expect(listed.count == 1 && listed.first?["machine"] as? String == "laptop-7" && listed.first?["state"] as? String == "live")
                let ended = try await client.send(.delete, windows, key: fx.adminKey)
                #expect(ended.status == .ok)
                #expect(try jsonObject(ended)["ended"] as? Int == 1)
                #expect(try await client.send(.get, "/api/v1/admin/tenants/acme/users/nobody/offline", key: fx.adminKey).status == .notFound)

                let set = try await client.send(.put, groups, key: fx.adminKey, body: #"{"groups":["laptops","Finance","LAPTOPS"]}"#)
                #expect(set.status == .ok)
                #expect((try jsonObject(set)["groups"] as? [String])?.count == 2)
                #expect((try jsonObject(try await client.send(.get, groups, key: fx.adminKey))["groups"] as? [String])?.count == 2)
                #expect(try await client.send(.put, groups, key: fx.adminKey, body: #"{"groups":[" bad"]}"#).status == .badRequest)
                #expect(try await client.send(.put, groups, key: fx.adminKey, body: #"{"groups":"laptops"}"#).status == .badRequest)
            }
        }
    }
}
