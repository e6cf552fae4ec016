import Foundation
import LifelineCore
import LifelineTestStore
import Testing

/// The recovery runner and its actions on the in-memory store, through RecoveryService's public API only.
@Suite("RecoveryService (in-memory store)")
struct RecoveryServiceTests {
    /// Walks a flow of `username` through the sms and email steps, answering each code step with what the fake
    /// outbox holds for the contact (or `fallbackCode` when nothing was sent). Returns the last document.
    static func walk(_ h: ServiceHarness, username: String, fallbackCode: String = "000000") async throws -> FlowDocument {
        var doc = try await h.recovery.createFlow(tenantName: "demo", username: username, language: "en", source: "127.0.0.1")
        let flowID = try #require(UUID(uuidString: doc.id))
        var contact = ""
        for _ in 0..<8 where !["verified", "failed", "expired"].contains(doc.state) {
            let names = doc.fields.map(\.name)
            var fields: [String: String] = [:]
            if names.contains("flow") {
                fields["flow"] = "sms-email"
            } else if names.contains("number") {
                contact = "+420777123789"
                fields = ["contact": "0", "number": contact]
            } else if names.contains("address") {
                contact = "alice@demo.example"
                fields = ["contact": "0", "address": contact]
            } else if names.contains("code") {
                fields["code"] = try await h.sentCode(to: contact) ?? fallbackCode
            } else {
                Issue.record("unexpected step \(doc.state) with fields \(names)")
                break
            }
            doc = try await h.recovery.submit(flowID: flowID, fields: fields, language: "en", source: "127.0.0.1")
        }
        return doc
    }

    @Test("createFlow and submit: an SMS code and an email code from the fake outbox verify the flow")
    func smsAndEmail() async throws {
        let h = try ServiceHarness()
        try await h.seed(config: try ServiceHarness.recoveryConfig())
        let doc = try await Self.walk(h, username: "alice")
        #expect(doc.state == "verified")
        #expect(try await h.sentCode(to: "+420777123789") != nil)
        #expect(try await h.sentCode(to: "alice@demo.example") != nil)
        #expect(doc.actions.map(\.id) == ["unlock-authenticator", "emergency-code"])
        #expect(h.auditTrail().contains("recovery.verified success"))
    }

    @Test("a decoy flow (unknown user) takes the same steps and never passes")
    func decoyNeverPasses() async throws {
        let h = try ServiceHarness()
        try await h.seed(config: try ServiceHarness.recoveryConfig())
        let doc = try await Self.walk(h, username: "mallory")
        #expect(doc.state != "verified")
        #expect(try await h.sentCode(to: "+420777123789") == nil, "a decoy sends nothing to a real user")
        #expect(!h.auditTrail().contains("recovery.verified success"))
    }

    @Test("useAction emergency-code issues a code that validate accepts; unlock-authenticator then unlocks the token and revokes that code")
    func actions() async throws {
        var policy = OTPPolicy()
        policy.maxFail = 2
        let h = try ServiceHarness(policy: policy)
        let tokenID = try await h.seed(config: try ServiceHarness.recoveryConfig())
        for _ in 0..<2 { _ = try await h.validation.validate(tenantName: "demo", username: "alice", code: h.wrongCode(), caller: .validateKey) }
        #expect(try await h.token(tokenID).state == .locked)

        let doc = try await Self.walk(h, username: "alice")
        #expect(doc.state == "verified")
        let flowID = try #require(UUID(uuidString: doc.id))

        let issued = try await h.recovery.useAction(flowID: flowID, action: "emergency-code", source: "127.0.0.1")
        #expect(issued.result == "emergency_code")
        guard let codeItem = issued.items.first(where: { $0.key == "code" }), case .text(let code) = codeItem.value else {
            Issue.record("not an emergency code: \(issued)")
            return
        }
        #expect(issued.items.first { $0.key == "max_uses" }?.value == .number(5))
        #expect(try await h.validation.validate(tenantName: "demo", username: "alice", code: code, caller: .validateKey))

        #expect(try await h.recovery.useAction(flowID: flowID, action: "unlock-authenticator", source: "127.0.0.1").result == "authenticator_unlocked")
        let token = try await h.token(tokenID)
        #expect(token.state == .active && token.failCount == 0)
        // The rule of EmergencyCodeRules, composed in the core: a token active again ends the emergency code.
        let events = h.store.auditEvents().map { "\($0.record.event) \($0.record.reason)" }
        #expect(events.contains("token.unlock recovery action unlock-authenticator"))
        #expect(events.contains("emergency_code.revoke token activated"))
        #expect(try await !h.validation.validate(tenantName: "demo", username: "alice", code: code, caller: .validateKey), "the revoked code is refused")
        #expect(try await h.store.verifyChain().broken == nil)
    }
}
