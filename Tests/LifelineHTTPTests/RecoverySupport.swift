import Foundation
import HummingbirdTesting
import LifelineApp
import LifelineCore
import Testing

extension Fixture {
    /// Tenant "demo" with the demo recovery configuration; user alice with a verified phone and email, a TOTP
    /// token with `testSecret` and security answers. Returns nothing: tests go through the API.
    func seedRecovery() async throws {
        _ = try await DemoSeeder.tenantFile().apply(admin: runtime.admin, caller: caller)
        var alice = AdminService.NewUser(username: "alice")
        alice.phones = ["+420777123789"]; alice.emails = ["alice@demo.example"]
        _ = try await runtime.admin.createUser(tenantName: "demo", alice, caller: caller)
        var req = EnrollmentRequest(type: .totp)
        req.secretBase32 = testSecretBase32
        _ = try await runtime.admin.enrollToken(tenantName: "demo", username: "alice", req, caller: caller)
        try await runtime.admin.setSecurityAnswers(tenantName: "demo", username: "alice",
                                                   answers: ["pet": "Rex", "city": "Brno", "teacher": "Novak", "school": "Masaryk", "street": "Husova"],
                                                   caller: caller)
    }

    /// The newest queued message to `recipient`, opened, and the code in it.
    func sentCode(to recipient: String, sourceLocation: SourceLocation = #_sourceLocation) async throws -> String {
        // The newest message to `recipient` that carries a code (notices of verification and actions carry none).
        for m in try await runtime.store.recentMessages(limit: 50) where m.recipient == recipient && m.status == .pending {
            let text = String(decoding: try await runtime.vault.open(try #require(m.body), context: m.sealContext), as: UTF8.self)
            if let code = text.split(whereSeparator: { !$0.isNumber }).first(where: { (6...8).contains($0.count) }) { return String(code) }
        }
        Issue.record("no code sent to \(recipient)", sourceLocation: sourceLocation)
        return ""
    }
}

extension TestClientProtocol {
    /// Starts a flow; returns the document.
    func startFlow(_ username: String, tenant: String = "demo", language: String? = nil,
                   sourceLocation: SourceLocation = #_sourceLocation) async throws -> [String: Any] {
        var body: [String: Any] = ["tenant": tenant, "username": username]
        if let language { body["language"] = language }
        let r = try await send(.post, "/api/v1/recovery/flows", json: body, sourceLocation: sourceLocation)
        #expect(r.status == .created, "body: \(String(buffer: r.body))", sourceLocation: sourceLocation)
        return try jsonObject(r, sourceLocation: sourceLocation)
    }

    /// Submits fields to a flow; returns the response.
    func submit(_ flow: [String: Any], _ fields: [String: String], sourceLocation: SourceLocation = #_sourceLocation) async throws -> TestResponse {
        let id = try #require(flow["id"] as? String, sourceLocation: sourceLocation)
        return try await send(.post, "/api/v1/recovery/flows/\(id)", json: fields, sourceLocation: sourceLocation)
    }

    /// Submits and expects a 200 document.
    func step(_ flow: [String: Any], _ fields: [String: String], sourceLocation: SourceLocation = #_sourceLocation) async throws -> [String: Any] {
        let r = try await submit(flow, fields, sourceLocation: sourceLocation)
        #expect(r.status == .ok, "body: \(String(buffer: r.body))", sourceLocation: sourceLocation)
        return try jsonObject(r, sourceLocation: sourceLocation)
    }
}

/// The document's `state`.
func state(_ doc: [String: Any]) -> String? { doc["state"] as? String }

/// The ids of the document's messages.
func messageIDs(_ doc: [String: Any]) -> [String] { (doc["messages"] as? [[String: Any]] ?? []).compactMap { $0["id"] as? String } }

/// The document with every value that is specific to one flow blanked (ids, times, the typed username, masked
/// contact labels), so a real and a decoy flow can be compared field by field.
func shape(_ value: Any, key: String = "") -> Any {
    switch value {
    case let d as [String: Any]:
        var out: [String: Any] = [:]
        for (k, v) in d { out[k] = ["id", "expires_at", "username", "resend_available_at"].contains(k) && key == "" ? "*" : shape(v, key: k) }
        return out
    case let a as [Any]:
        // A decoy shows as many numbers as the tenant's users have, a real user as many as they enrolled: only the option list's
        // presence is compared, not its length or labels.
        return key == "options" ? "*" : a.map { shape($0) }
    case let s as String where key == "text" && s.contains("***"):
        return "*"
    default:
        return value
    }
}

/// Deep equality of JSON values as strings.
func sameJSON(_ a: Any, _ b: Any) -> Bool {
    let opts: JSONSerialization.WritingOptions = [.sortedKeys]
    return (try? JSONSerialization.data(withJSONObject: a, options: opts)) == (try? JSONSerialization.data(withJSONObject: b, options: opts))
}

extension TestClientProtocol {
    /// A flow of `username` (seeded by ``Fixture/seedRecovery()``) taken through "sms-totp" to `verified`.
    func verifiedFlow(_ fx: Fixture, _ username: String = "alice", sourceLocation: SourceLocation = #_sourceLocation) async throws -> [String: Any] {
        // A new TOTP step for each flow (an authenticator code is accepted once), and messages in order.
        fx.clock.advance(seconds: 30)
        var flow = try await startFlow(username, sourceLocation: sourceLocation)
        flow = try await step(flow, ["flow": "sms-totp"], sourceLocation: sourceLocation)
        flow = try await step(flow, ["contact": "0", "number": "+420777123789"], sourceLocation: sourceLocation)
        flow = try await step(flow, ["code": try await fx.sentCode(to: "+420777123789", sourceLocation: sourceLocation)], sourceLocation: sourceLocation)
        flow = try await step(flow, ["code": fx.totp()], sourceLocation: sourceLocation)
        #expect(state(flow) == "verified", sourceLocation: sourceLocation)
        return flow
    }

    /// Posts `body` to the flow's `action`.
    func act(_ flow: [String: Any], _ action: String, _ body: [String: String]? = nil, sourceLocation: SourceLocation = #_sourceLocation) async throws -> TestResponse {
        let id = try #require(flow["id"] as? String, sourceLocation: sourceLocation)
        if let body { return try await send(.post, "/api/v1/recovery/flows/\(id)/actions/\(action)", json: body, sourceLocation: sourceLocation) }
        return try await send(.post, "/api/v1/recovery/flows/\(id)/actions/\(action)", sourceLocation: sourceLocation)
    }
}

/// The `available` flag of each action of a flow document, by id.
func availability(_ doc: [String: Any]) -> [String: Bool] {
    Dictionary(uniqueKeysWithValues: (doc["actions"] as? [[String: Any]] ?? []).compactMap { a in
        (a["id"] as? String).map { ($0, a["available"] as? Bool ?? false) }
    })
}

/// The ids of an error body's `problems`.
func problemIDs(_ r: TestResponse) -> [String] {
    ((try? jsonObject(r))?["problems"] as? [[String: Any]] ?? []).compactMap { $0["id"] as? String }
}
