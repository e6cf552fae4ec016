import Foundation
import LifelineCore
import LifelineTestStore
import Testing

/// Caller verification (issue 15): a 6-digit code to a verified contact, read back; 5 attempts, 10 minutes, and
/// "caller verified" for 15 minutes for the operator who checked it.
@Suite("Helpdesk: caller verification")
struct CallerVerificationTests {
    let t: HelpdeskServiceTests

    init() throws { t = try HelpdeskServiceTests() }

    /// The 6-digit code last sent to `recipient`.
    func code(to recipient: String) async throws -> String {
        let text = try #require(try await t.texts(to: recipient).last)
        return String(try #require(text.split(whereSeparator: { !$0.isNumber }).first { $0.count == 6 }))
    }

    func disable(_ token: UUID, as caller: Principal) async throws -> HelpdeskOutcome {
        try await t.helpdesk.perform(tenantName: "demo", username: "alice", HelpdeskRequest(action: .tokenDisable, reason: "T-1", tokenID: token), caller: caller)
    }

    @Test("a required verification: refused before, allowed within 15 minutes, refused after; only for the operator who verified")
    func window() async throws {
        let token = try await t.seed(#"{"require_caller_verification": ["token_disable", "token_enable"]}"#)
        let anna = try await t.op("anna"), bert = try await t.op("bert")
        let forbidden = await #expect(throws: LifelineError.self) { try await disable(token, as: anna) }
        #expect(forbidden?.code == .forbidden)
        let phone = try await t.contact(.phone)
        let sent = try await t.helpdesk.sendCallerCode(tenantName: "demo", username: "alice", contactID: phone.id, caller: anna)
        #expect(sent.maskedRecipient == "+42 *** 89" && sent.channel == .sms)
        let result = try await t.helpdesk.checkCallerCode(tenantName: "demo", username: "alice", code: try await code(to: phone.value), caller: anna)
        guard case .verified = result else { Issue.record("not verified: \(result)"); return }
        // Another operator's verification says nothing about the call bert is on.
        await #expect(throws: LifelineError.self) { try await disable(token, as: bert) }
        t.h.clock.advance(by: 899)
        _ = try t.done(try await disable(token, as: anna))
        t.h.clock.advance(by: 2)
        await #expect(throws: LifelineError.self) {
            try await t.helpdesk.perform(tenantName: "demo", username: "alice", HelpdeskRequest(action: .tokenEnable, reason: "T-1", tokenID: token), caller: anna)
        }
        #expect(t.h.auditTrail().contains("helpdesk.caller_verify success"))
    }

    @Test("at most 5 attempts per code: the right code after 5 wrong ones is refused")
    func attemptsBound() async throws {
        _ = try await t.seed()
        let anna = try await t.op("anna")
        let phone = try await t.contact(.phone)
        _ = try await t.helpdesk.sendCallerCode(tenantName: "demo", username: "alice", contactID: phone.id, caller: anna)
        let right = try await code(to: phone.value)
        let wrong = right == "000000" ? "111111" : "000000"
        var left: [Int] = []
        for _ in 0..<5 {
            guard case .wrong(let n) = try await t.helpdesk.checkCallerCode(tenantName: "demo", username: "alice", code: wrong, caller: anna) else {
                Issue.record("a wrong code was not counted"); return
            }
            left.append(n)
        }
        #expect(left == [4, 3, 2, 1, 0])
        #expect(try await t.helpdesk.checkCallerCode(tenantName: "demo", username: "alice", code: right, caller: anna) == .refused)
        #expect(t.h.auditTrail().filter { $0 == "helpdesk.caller_verify failure" }.count == 5)
    }

    @Test("a code works for 10 minutes and once; a second send within a minute is refused")
    func expiryAndResend() async throws {
        _ = try await t.seed()
        let anna = try await t.op("anna")
        let mail = try await t.contact(.email)
        _ = try await t.helpdesk.sendCallerCode(tenantName: "demo", username: "alice", contactID: mail.id, caller: anna)
        let error = await #expect(throws: LifelineError.self) {
            try await t.helpdesk.sendCallerCode(tenantName: "demo", username: "alice", contactID: mail.id, caller: anna)
        }
        #expect(error?.code == .rateLimited)
        t.h.clock.advance(by: 601)
        #expect(try await t.helpdesk.checkCallerCode(tenantName: "demo", username: "alice", code: try await code(to: mail.value), caller: anna) == .refused)
        _ = try await t.helpdesk.sendCallerCode(tenantName: "demo", username: "alice", contactID: mail.id, caller: anna)
        let fresh = try await code(to: mail.value)
        guard case .verified = try await t.helpdesk.checkCallerCode(tenantName: "demo", username: "alice", code: fresh, caller: anna) else {
            Issue.record("fresh code refused"); return
        }
        #expect(try await t.helpdesk.checkCallerCode(tenantName: "demo", username: "alice", code: fresh, caller: anna) == .refused)
    }

    @Test("only a verified contact of the user gets a code")
    func unverifiedContact() async throws {
        _ = try await t.seed()
        let added = try await t.h.admin.addContact(tenantName: "demo", username: "alice", kind: .email, value: "new@evil.example", verified: false, caller: .cli)
        let error = await #expect(throws: LifelineError.self) {
            try await t.helpdesk.sendCallerCode(tenantName: "demo", username: "alice", contactID: added.id, caller: try await t.op("anna"))
        }
        #expect(error?.code == .invalidRequest)
        #expect(try await t.texts(to: "new@evil.example").isEmpty)
    }
}
