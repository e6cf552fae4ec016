import Foundation
import HummingbirdTesting
import LifelineApp
import LifelineCore
import Testing

/// The helpdesk's admin API (issue 15): the actions with their reason, caller verification, four-eyes approval with two
/// keys, the helpdesk code, and the `helpdesk:` tenant settings through `PUT …/recovery`.
@Suite("Admin API: helpdesk")
struct AdminHelpdeskTests {
    /// PUTs the demo configuration with `helpdesk` (a JSON object) as its `helpdesk:` section; returns the response.
    static func putHelpdesk(_ client: some TestClientProtocol, _ fx: Fixture, _ helpdesk: [String: Any]) async throws -> TestResponse {
        var config = try jsonObject(try await client.send(.get, "/api/v1/admin/tenants/demo/recovery", key: fx.adminKey))
        config["helpdesk"] = helpdesk
        return try await client.send(.put, "/api/v1/admin/tenants/demo/recovery", key: fx.adminKey, json: config)
    }

    @Test("helpdesk settings: applied and read back in snake_case; unknown keys and bad bounds refused")
    func settings() async throws {
        try await Fixture.with { fx in
            try await fx.seedRecovery()
            try await fx.app().test(.router) { client in
                let ok = try await Self.putHelpdesk(client, fx, ["four_eyes": ["helpdesk_code"], "require_caller_verification": ["token_reset"],
                                                                 "emergency_code": ["max_uses": 2, "max_lifetime_hours": 4, "delivery": "send"]])
                #expect(ok.status == .ok || ok.status == .noContent, "\(String(buffer: ok.body))")
                let back = try jsonObject(try await client.send(.get, "/api/v1/admin/tenants/demo/recovery", key: fx.adminKey))
                let helpdesk = try #require(back["helpdesk"] as? [String: Any])
                #expect(helpdesk["four_eyes"] as? [String] == ["helpdesk_code"])
                #expect((helpdesk["emergency_code"] as? [String: Any])?["delivery"] as? String == "send")
                for bad in [["four_eye": ["helpdesk_code"]], ["emergency_code": ["max_uses": 11]], ["four_eyes": ["token_resync"]],
                            ["four_eyes": ["reboot"]]] as [[String: Any]] {
                    let r = try await Self.putHelpdesk(client, fx, bad)
                    #expect(r.status == .badRequest, "\(bad): \(String(buffer: r.body))")
                }
            }
        }
    }

    @Test("an action without a reason is 400; with one it runs, answers the token and notifies the user")
    func actionWithReason() async throws {
        try await Fixture.with { fx in
            try await fx.seedRecovery()
            let helpdesk = try await fx.key(.helpdesk, tenant: "demo")
            let token = try await fx.runtime.admin.listTokens(tenantName: "demo", username: "alice", caller: .cli).1[0].id.uuidString.lowercased()
            try await fx.app().test(.router) { client in
                let path = "/api/v1/admin/tenants/demo/users/alice/helpdesk/token_disable"
                try expectError(try await client.send(.post, path, key: helpdesk, json: ["token_id": token]), .badRequest, "invalid_request")
                try expectError(try await client.send(.post, path, key: helpdesk, json: ["token_id": token, "reason": "  "]), .badRequest, "invalid_request")
                try expectError(try await client.send(.post, "/api/v1/admin/tenants/demo/users/alice/helpdesk/reboot", key: helpdesk, json: ["reason": "T-1"]),
                                .notFound, "not_found")
                let r = try await client.send(.post, path, key: helpdesk, json: ["token_id": token, "reason": "INC-1 lost phone"])
                #expect(r.status == .ok, "\(String(buffer: r.body))")
                let body = try jsonObject(r)
                #expect(body["status"] as? String == "done")
                #expect((body["token"] as? [String: Any])?["state"] as? String == "disabled")
                let events = try jsonList(try await client.send(.get, "/api/v1/admin/audit?tenant=demo", key: fx.adminKey), "events")
                #expect(events.contains { $0["event"] as? String == "helpdesk.token_disable" && $0["reason"] as? String == "INC-1 lost phone" })
            }
        }
    }

    @Test("caller verification through the API: send to a verified contact, read the code back, verified")
    func callerVerification() async throws {
        try await Fixture.with { fx in
            try await fx.seedRecovery()
            let helpdesk = try await fx.key(.helpdesk, tenant: "demo")
            let phone = try await fx.runtime.admin.contacts(tenantName: "demo", username: "alice", caller: .cli).first { $0.kind == .phone }!
            try await fx.app().test(.router) { client in
                let base = "/api/v1/admin/tenants/demo/users/alice/caller-verification"
                try expectError(try await client.send(.post, base, key: helpdesk, json: [:]), .badRequest, "invalid_request")
                let sent = try await client.send(.post, base, key: helpdesk, json: ["contact_id": phone.id.uuidString])
                #expect(sent.status == .accepted, "\(String(buffer: sent.body))")
                #expect(try jsonObject(sent)["sent_to"] as? String == "+42 *** 89")
                let wrong = try jsonObject(try await client.send(.post, base + "/check", key: helpdesk, json: ["code": "12345"]))
                #expect(wrong["error"] as? String == "invalid_request")
                let code = try await fx.sentCode(to: phone.value)
                let ok = try jsonObject(try await client.send(.post, base + "/check", key: helpdesk, json: ["code": code]))
                #expect(ok["verified"] as? Bool == true)
                #expect(try jsonObject(try await client.send(.get, base, key: helpdesk))["verified"] as? Bool == true)
                try expectError(try await client.send(.post, base + "/check", key: helpdesk, json: ["code": code]), .conflict, "conflict")
            }
        }
    }

    @Test("four-eyes with two keys: 202 pending; the requester's approval 403; the second key's runs it; the helpdesk code shown once")
    func fourEyes() async throws {
        try await Fixture.with { fx in
            try await fx.seedRecovery()
            let first = try await fx.key(.helpdesk, tenant: "demo"), second = try await fx.key(.helpdesk, tenant: "demo")
            let auditor = try await fx.key(.auditor, tenant: "demo")
            try await fx.app().test(.router) { client in
                _ = try await Self.putHelpdesk(client, fx, ["four_eyes": ["helpdesk_code"]])
                let r = try await client.send(.post, "/api/v1/admin/tenants/demo/users/alice/helpdesk/helpdesk_code", key: first,
                                              json: ["reason": "INC-2 new phone", "uses": 1, "lifetime_minutes": 60])
                #expect(r.status == .accepted, "\(String(buffer: r.body))")
                let request = try #require(try jsonObject(r)["request"] as? [String: Any])
                let id = try #require(request["id"] as? String)
                let pending = try jsonList(try await client.send(.get, "/api/v1/admin/approvals?status=pending", key: second), "requests")
                #expect(pending.map { $0["id"] as? String } == [id])
                try expectError(try await client.send(.post, "/api/v1/admin/approvals/\(id)/approve", key: first), .forbidden, "forbidden")
                try expectError(try await client.send(.post, "/api/v1/admin/approvals/\(id)/approve", key: auditor), .forbidden, "forbidden")
                let approved = try await client.send(.post, "/api/v1/admin/approvals/\(id)/approve", key: second)
                #expect(approved.status == .ok, "\(String(buffer: approved.body))")
                let body = try jsonObject(approved)
                #expect((body["request"] as? [String: Any])?["status"] as? String == "executed")
                let code = try #require(((body["result"] as? [String: Any])?["code"] as? [String: Any])?["code"] as? String)
                #expect(try await client.validate(code, tenant: "demo", key: fx.validateKey) == "accept")
                try expectError(try await client.send(.post, "/api/v1/admin/approvals/\(id)/approve", key: second), .conflict, "conflict")
            }
        }
    }
}
