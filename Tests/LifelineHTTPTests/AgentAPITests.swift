import Foundation
import HummingbirdTesting
import LifelineApp
import LifelineAuthenticatorKit
import LifelineCore
import Logging
import Testing

/// `POST /api/v1/agent/authenticate` and `/refill` (issue 17) over HTTP: keys, roles, malformed bodies, and the same
/// `reject` for an unknown user as for a wrong passcode.
@Suite("Agent API")
struct AgentAPITests {
    static let auth = "/api/v1/agent/authenticate"
    static let refill = "/api/v1/agent/refill"

    @Test("no key is 401, a validate or admin key 403, each with a JSON error body")
    func keysAndRoles() async throws {
        try await Fixture.with { fx in
            try await fx.seedAlice()
            try await fx.app().test(.router) { client in
                let body = fx.agentBody(passcode: fx.totp())
                let none = try await client.send(.post, Self.auth, body: body)
                #expect(none.status == .unauthorized)
                #expect(try jsonObject(none)["error"] as? String == "unauthorized")
                for key in [fx.validateKey, fx.adminKey] {
                    let r = try await client.send(.post, Self.auth, key: key, body: body)
                    #expect(r.status == .forbidden, "\(r.status)")
                    #expect(try jsonObject(r)["error"] as? String == "forbidden")
                    let refill = try await client.send(.post, Self.refill, key: key, body: #"{"user":"alice","machine":"m","refill_token":"x"}"#)
                    #expect(refill.status == .forbidden)
                }
            }
        }
    }

    @Test("malformed JSON, a missing field and a wrong type are 400 JSON; an oversized body 413; never a 5xx")
    func malformed() async throws {
        try await Fixture.with { fx in
            try await fx.seedAlice()
            let key = try await fx.agent().key
            try await fx.app().test(.router) { client in
                for (body, code) in [("{", "invalid_json"), (#"{"user":"alice","machine":"m"}"#, "invalid_request"),
                                     (#"{"user":"alice","passcode":123456,"machine":"m"}"#, "invalid_json"), ("[]", "invalid_json")] {
                    let r = try await client.send(.post, Self.auth, key: key, body: body)
                    #expect(r.status == .badRequest, "\(body): \(r.status)")
                    #expect(try jsonObject(r)["error"] as? String == code, "\(body)")
                }
                let missing = try await client.send(.post, Self.refill, key: key, body: #"{"user":"alice","machine":"m"}"#)
                #expect(missing.status == .badRequest)
                #expect(String(buffer: missing.body).contains("refill_token"))
                let huge = try await client.send(.post, Self.auth, key: key, body: #"{"user":""# + String(repeating: "a", count: 70_000) + #""}"#)
                #expect(huge.status == .contentTooLarge)
            }
        }
    }

    @Test("reject for an unknown user is the same status and bytes as for a wrong passcode")
    func rejectIsUniform() async throws {
        try await Fixture.with { fx in
            try await fx.seedAlice()
            try await fx.offlinePolicy()
            let key = try await fx.agent().key
            try await fx.app().test(.router) { client in
                let wrong = try await client.send(.post, Self.auth, key: key, body: fx.agentBody(passcode: fx.wrongCode()))
                let unknown = try await client.send(.post, Self.auth, key: key, body: fx.agentBody("nobody", passcode: fx.wrongCode()))
                #expect(wrong.status == .ok && unknown.status == .ok)
                #expect(try agentAnswer(wrong).result == "reject")
                #expect(String(buffer: wrong.body) == String(buffer: unknown.body))
                #expect(wrong.headers[.contentType] == unknown.headers[.contentType])
            }
        }
    }

    @Test("an accepted passcode brings offline data and a refill token; the refill rotates it; a revoked agent's key is 401")
    func acceptAndRefill() async throws {
        try await Fixture.with { fx in
            try await fx.seedAlice()
            try await fx.offlinePolicy()
            let agent = try await fx.agent()
            try await fx.app().test(.router) { client in
                let r = try await client.send(.post, Self.auth, key: agent.key, body: fx.agentBody(passcode: fx.totp()))
                #expect(r.status == .ok)
                #expect(r.headers[.cacheControl] == "no-store")
                let answer = try agentAnswer(r)
                #expect(answer.result == "accept")
                let data = try #require(answer.offline, "\(answer.offlineReason ?? "-")")
                #expect(data.user == "alice" && data.machine == "laptop-7" && data.steps > 0)
                let token = try #require(answer.refillToken)
                let body = String(decoding: try JSONEncoder().encode(OfflineWire.RefillRequest(user: "alice", machine: "laptop-7", refillToken: token)), as: UTF8.self)
                let refilled = try agentAnswer(try await client.send(.post, Self.refill, key: agent.key, body: body))
                #expect(refilled.result == "refilled")
                #expect(refilled.refillToken != nil && refilled.refillToken != token)
                // The spent token again: the agent is told to wipe.
                #expect(try agentAnswer(try await client.send(.post, Self.refill, key: agent.key, body: body)).result == "revoked")
                try await fx.runtime.offline.revokeAgent(tenantName: "acme", agentID: agent.agent.id, caller: .cli)
                let after = try await client.send(.post, Self.auth, key: agent.key, body: fx.agentBody(passcode: fx.totp(1)))
                #expect(after.status == .unauthorized, "\(after.status)")
            }
        }
    }
}

/// The agent API in the access log: a line per request, never the passcode, the user or the refill token.
@Suite("Agent API: access log")
struct AgentAPILogTests {
    @Test("the log has the agent API's path and status, not the passcode, username or machine")
    func noSecretsInLog() async throws {
        let lines = LogLines()
        try await Fixture.with(configure: { $0.logAccess = true }) { fx in
            try await fx.seedAlice()
            let key = try await fx.agent().key
            let app = buildApplication(runtime: fx.runtime, logger: Logger(label: "test") { _ in CapturingLogHandler(lines) })
            try await app.test(.router) { client in
                _ = try await client.send(.post, AgentAPITests.auth, key: key, body: fx.agentBody(passcode: "9182736450", machine: "host-q7x"))
            }
        }
        let requests = lines.all.filter { $0.message == "request" }
        #expect(requests.compactMap { $0.metadata["path"].map { "\($0)" } } == ["/api/v1/agent/authenticate"])
        let everything = lines.all.map { "\($0.message) \($0.metadata)" }.joined(separator: "\n")
        #expect(!everything.contains("9182736450"))
        #expect(!everything.contains("alice"))
        #expect(!everything.contains("host-q7x"))
    }
}
