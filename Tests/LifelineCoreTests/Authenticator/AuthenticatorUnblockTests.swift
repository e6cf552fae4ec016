import Foundation
import LifelineAuthenticatorKit
import LifelineCore
import LifelineTestStore
import Testing

/// "Display UBC", the online unblock with it, its blocking after 3 wrong entries, and seed 004's reset with the user
/// present.
@Suite("Authenticator: UBC, unblock and the operator-held PIN reset")
struct AuthenticatorUnblockTests {
    let t: AuthenticatorHarness
    init() throws { t = try AuthenticatorHarness() }

    /// An app at demo and other with its PIN blocked by 3 wrong PINs.
    func blockedApp() async throws -> TestApp {
        try await t.seed()
        let app = TestApp(t.service)
        try await app.activate(try await t.activationCode())
        try await app.activate(try await t.activationCode("other"))
        for _ in 0..<3 { _ = try await app.code(pin: "1357") }
        #expect(try await app.status().pinBlocked)
        return app
    }

    @Test("Display UBC shows 8 digits once, stores them sealed, is audited with the ticket and notified")
    func display() async throws {
        _ = try await blockedApp()
        let ubc = try #require(try await t.helpdesk(.ubcDisplay).ubc)
        #expect(ubc.code.count == 8 && ubc.code.allSatisfy(\.isNumber))
        let tenantID = try await t.h.admin.tenant("demo", caller: .cli).id
        let userID = try await t.h.admin.user(tenantName: "demo", username: "alice", caller: .cli).1.id
        let stored = try #require(try await t.h.store.authenticatorUBC(tenantID: tenantID, userID: userID))
        #expect(!String(decoding: stored.code.box, as: UTF8.self).contains(ubc.code))
        let record = try #require(t.h.store.auditEvents().map(\.record).last { $0.event == "authenticator.ubc_display" })
        #expect(record.reason == "INC-1" && !record.reason.contains(ubc.code))
        #expect(t.h.store.auditEvents().allSatisfy { !$0.record.reason.contains(ubc.code) })
        let state = try await t.service.userState(tenantName: "demo", username: "alice", caller: t.op())
        #expect(state.ubcState == "active")
        let notice = try #require(t.h.store.outboxMessages().last { $0.recipient == "alice@demo.example" })
        let text = String(decoding: try await t.h.vault.open(notice.body!, context: notice.sealContext), as: UTF8.self)
        #expect(text.contains("issued an unblocking code (UBC)") && !text.contains(ubc.code))
    }

    @Test("online unblock of one of two organizations: new PIN, that one active, the other still blocked until its own UBC")
    func unblockOneOfTwo() async throws {
        let app = try await blockedApp()
        let ubc = try #require(try await t.helpdesk(.ubcDisplay).ubc)
        let answer = try await app.unblock(ubc: ubc.code, newPIN: "3579")
        #expect(answer.result == .ok)
        #expect(TestApp.state(answer, "demo") == "active" && TestApp.state(answer, "other") == "blocked" && !answer.pinBlocked)
        #expect(try await app.code().result == .ok)
        let other0 = try await app.code("other").result
        #expect(other0 == .pinBlocked || other0 == .organizationBlocked)
        // The used UBC is gone.
        #expect(try await app.unblock(ubc: ubc.code, newPIN: "3579").result == .noUBC)
        // The other organization, with its own UBC.
        let other = try #require(try await t.helpdesk(.ubcDisplay, "other").ubc)
        #expect(try await app.unblock("other", ubc: other.code, newPIN: "9753").result == .ok)
        #expect(try await app.code("other").result == .ok)
        #expect(try await app.code("demo").result == .ok)
        #expect(t.trail().filter { $0 == "authenticator.unblock success" }.count == 2)
    }

    @Test("the UBC of one organization does not unblock another")
    func ubcPerOrganization() async throws {
        let app = try await blockedApp()
        let ubc = try #require(try await t.helpdesk(.ubcDisplay).ubc)
        #expect(try await app.unblock("other", ubc: ubc.code, newPIN: "3579").result == .noUBC)
    }

    @Test("a new UBC replaces the old one")
    func replace() async throws {
        let app = try await blockedApp()
        let first = try #require(try await t.helpdesk(.ubcDisplay).ubc)
        let second = try #require(try await t.helpdesk(.ubcDisplay).ubc)
        if first.code != second.code {
            #expect(try await app.unblock(ubc: first.code, newPIN: "3579").result == .wrongUBC)
        }
        #expect(try await app.unblock(ubc: second.code, newPIN: "3579").result == .ok)
    }

    @Test("a UBC expires after the tenant's ubc_lifetime_hours")
    func expiry() async throws {
        let app = try await blockedApp()
        let ubc = try #require(try await t.helpdesk(.ubcDisplay).ubc)
        t.h.clock.advance(by: 24 * 3600)
        #expect(try await app.unblock(ubc: ubc.code, newPIN: "3579").result == .noUBC)
    }

    @Test("3 wrong UBC entries block it: then even the right one is refused, and a new one must be displayed")
    func threeWrongUBC() async throws {
        let app = try await blockedApp()
        let ubc = try #require(try await t.helpdesk(.ubcDisplay).ubc)
        let wrong = ubc.code == "11111111" ? "22222222" : "11111111"
        #expect(try await app.unblock(ubc: wrong, newPIN: "3579").attemptsLeft == 2)
        #expect(try await app.unblock(ubc: wrong, newPIN: "3579").attemptsLeft == 1)
        #expect(try await app.unblock(ubc: wrong, newPIN: "3579").result == .ubcBlocked)
        #expect(try await app.unblock(ubc: ubc.code, newPIN: "3579").result == .ubcBlocked)
        #expect(try await t.service.userState(tenantName: "demo", username: "alice", caller: t.op()).ubcState == "blocked")
        let fresh = try #require(try await t.helpdesk(.ubcDisplay).ubc)
        #expect(try await app.unblock(ubc: fresh.code, newPIN: "3579").result == .ok)
    }

    @Test("a weak new PIN is refused at unblock and the UBC stays usable")
    func weakNewPIN() async throws {
        let app = try await blockedApp()
        let ubc = try #require(try await t.helpdesk(.ubcDisplay).ubc)
        #expect(try await app.unblock(ubc: ubc.code, newPIN: "0000").result == .weakPIN)
        #expect(try await app.unblock(ubc: ubc.code, newPIN: "3579").result == .ok)
    }

    @Test("Reset PIN with the user present needs a verified caller even when the tenant requires none; the app then sets a new PIN once")
    func presentReset() async throws {
        let app = try await blockedApp()
        let anna = t.op()
        let unverified = await #expect(throws: LifelineError.self) { try await t.helpdesk(.pinResetPresent, as: anna) }
        #expect(unverified?.code == .forbidden)
        #expect(try await app.resetPIN(newPIN: "3579").result == .noPINReset)
        let phone = try #require(try await t.h.admin.contacts(tenantName: "demo", username: "alice", caller: .cli).first { $0.kind == .phone })
        _ = try await t.helpdesk.sendCallerCode(tenantName: "demo", username: "alice", contactID: phone.id, caller: anna)
        let code = try #require(try await t.h.sentCode(to: phone.value))
        guard case .verified = try await t.helpdesk.checkCallerCode(tenantName: "demo", username: "alice", code: code, caller: anna) else {
            Issue.record("caller not verified"); return
        }
        let result = try await t.helpdesk(.pinResetPresent, as: anna)
        #expect(result.pinResetOpenUntil != nil)
        #expect(try await app.resetPIN(newPIN: "3579").result == .ok)
        #expect(try await app.code().result == .ok)
        #expect(try await app.resetPIN(newPIN: "9753").result == .noPINReset)
        #expect(t.trail().contains("authenticator.pin_reset success") && t.trail().contains("helpdesk.pin_reset_present success"))
    }

    @Test("the reset window closes after the tenant's pin_reset_minutes")
    func resetWindow() async throws {
        let app = try await blockedApp()
        try await t.h.store.putPINReset(AuthenticatorPINReset(tenantID: try await t.h.admin.tenant("demo", caller: .cli).id,
                                                              userID: try await t.h.admin.user(tenantName: "demo", username: "alice", caller: .cli).1.id,
                                                              openedBy: "operator:anna", openUntil: t.h.clock.now().addingTimeInterval(600)),
                                        audit: AuditRecord(time: t.h.clock.now(), tenant: "demo", actor: "operator:anna", subject: "alice",
                                                           event: "authenticator.pin_reset_open", outcome: "success"))
        t.h.clock.advance(by: 600)
        #expect(try await app.resetPIN(newPIN: "3579").result == .noPINReset)
    }
}
