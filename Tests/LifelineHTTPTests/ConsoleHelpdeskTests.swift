import Foundation
import HummingbirdTesting
import LifelineCore
import Testing

/// The console's helpdesk pages (issue 15): the actions with their reason field, caller verification, the helpdesk
/// code shown once, four-eyes between two operators, and the auditor's refusal.
@Suite("Console: helpdesk and approvals")
struct ConsoleHelpdeskTests {
    static let page = "/console/users/acme/alice/helpdesk"

    /// Tenant acme with `helpdesk` settings, alice with a verified phone and a token; returns the token id.
    static func seed(_ fx: Fixture, _ settings: HelpdeskSettings = HelpdeskSettings()) async throws -> UUID {
        let token = try await fx.seedAlice()
        _ = try await fx.runtime.admin.addContact(tenantName: "acme", username: "alice", kind: .phone, value: "+420777123789", verified: true, caller: .cli)
        var config = RecoveryConfig()
        config.helpdesk = settings
        _ = try await fx.runtime.admin.applyRecoveryConfig(tenantName: "acme", config, caller: .cli)
        return token
    }

    static func state(_ fx: Fixture, _ token: UUID) async throws -> TokenState {
        try await fx.runtime.admin.token(tenantName: "acme", id: token, caller: .cli).1.token.state
    }

    @Test("an action needs its reason; with it, it runs and the page says so")
    func actionWithReason() async throws {
        try await Fixture.with { fx in
            let token = try await Self.seed(fx)
            let help = try await fx.consoleOperator("help", role: .helpdesk)
            try await fx.app().test(.router) { client in
                var b = Browser(client)
                try await b.consoleLogin(help, fx: fx)
                let page = try await b.get(Self.page)
                #expect(page.status == .ok)
                #expect(html(page).contains("name=\"reason\"") && html(page).contains(t("console.helpdesk_caller_heading")))
                let id = token.uuidString.lowercased()
                let missing = try await b.submit(page, action: Self.page, ["do": "token_disable", "token_id": id, "reason": " "])
                #expect(missing.status == .badRequest && html(missing).contains(t("console.helpdesk_error_reason")))
                #expect(try await Self.state(fx, token) == .active)
                let done = try await b.submit(page, action: Self.page, ["do": "token_disable", "token_id": id, "reason": "INC-1"])
                #expect(done.status == .seeOther && done.headers[.location] == Self.page + "?m=done")
                #expect(try await Self.state(fx, token) == .disabled)
                #expect(html(try await b.get(Self.page + "?m=done")).contains(t("console.helpdesk_msg_done")))
            }
        }
    }

    @Test("caller verification on the page: required first, then a code read back verifies the caller")
    func callerVerification() async throws {
        try await Fixture.with { fx in
            let token = try await Self.seed(fx, HelpdeskSettings(requireCallerVerification: [.tokenReset]))
            let help = try await fx.consoleOperator("help", role: .helpdesk)
            let phone = try await fx.runtime.admin.contacts(tenantName: "acme", username: "alice", caller: .cli).first { $0.kind == .phone }!
            try await fx.app().test(.router) { client in
                var b = Browser(client)
                try await b.consoleLogin(help, fx: fx)
                let page = try await b.get(Self.page)
                let id = token.uuidString.lowercased()
                let refused = try await b.submit(page, action: Self.page, ["do": "token_reset", "token_id": id, "reason": "INC-2"])
                #expect(refused.status == .forbidden && html(refused).contains(t("console.helpdesk_error_caller_required")))
                let sent = try await b.submit(page, action: Self.page, ["do": "caller_send", "contact_id": phone.id.uuidString.lowercased()])
                #expect(sent.headers[.location] == Self.page + "?m=caller_sent")
                let pending = try await b.get(Self.page + "?m=caller_sent")
                #expect(html(pending).contains("id=\"caller-check\""))
                let wrong = try await b.submit(pending, action: Self.page, ["do": "caller_check", "code": "000000"])
                let code = try await fx.sentCode(to: phone.value)
                #expect(code == "000000" || html(wrong).contains(t("console.helpdesk_error_caller_wrong", "en", ["left": "4"])))
                let ok = try await b.submit(pending, action: Self.page, ["do": "caller_check", "code": code])
                #expect(ok.headers[.location] == Self.page + "?m=caller_verified")
                let done = try await b.submit(page, action: Self.page, ["do": "token_reset", "token_id": id, "reason": "INC-2"])
                #expect(done.headers[.location] == Self.page + "?m=done")
            }
        }
    }

    @Test("the helpdesk code asks for re-authentication, then is shown once with no-store")
    func helpdeskCode() async throws {
        try await Fixture.with { fx in
            _ = try await Self.seed(fx)
            let help = try await fx.consoleOperator("help", role: .helpdesk)
            try await fx.app().test(.router) { client in
                var b = Browser(client)
                try await b.consoleLogin(help, fx: fx)
                let page = try await b.get(Self.page)
                let form = ["do": "helpdesk_code", "reason": "INC-3", "uses": "1", "lifetime_minutes": "60"]
                let first = try await b.submit(page, action: Self.page, form)
                #expect(first.status == .seeOther && first.headers[.location]?.hasPrefix("/console/reauth?next=") == true)
                let reauth = try await b.get(first.headers[.location]!)
                _ = try await b.submit(reauth, action: "/console/reauth", ["code": fx.freshCode(help)])
                let shown = try await b.submit(try await b.get(Self.page), action: Self.page, form)
                #expect(shown.status == .ok && shown.headers[.cacheControl] == "no-store")
                let code = try #require(html(shown).firstMatch(of: /<code>([0-9 ]{14})<\/code>/)).1
                #expect(try await client.validate(String(code), key: fx.validateKey) == "accept")
                #expect(!html(try await b.get(Self.page)).contains(String(code)))
            }
        }
    }

    @Test("four-eyes: the requester cannot approve; a second operator approves after re-authenticating; the auditor is refused")
    func fourEyes() async throws {
        try await Fixture.with { fx in
            let token = try await Self.seed(fx, HelpdeskSettings(fourEyes: [.tokenDisable]))
            let help = try await fx.consoleOperator("help", role: .helpdesk)
            let tadm = try await fx.consoleOperator("tadm", role: .tenantAdmin)
            let aud = try await fx.consoleOperator("aud", role: .auditor)
            try await fx.app().test(.router) { client in
                var b = Browser(client)
                try await b.consoleLogin(help, fx: fx)
                let page = try await b.get(Self.page)
                let asked = try await b.submit(page, action: Self.page, ["do": "token_disable", "token_id": token.uuidString.lowercased(), "reason": "CHG-9"])
                #expect(asked.headers[.location] == Self.page + "?m=pending")
                #expect(try await Self.state(fx, token) == .active)
                let list = try await b.get("/console/approvals")
                let id = try #require(html(list).firstMatch(of: /data-request="([0-9a-f-]{36})"/)).1
                #expect(!html(list).contains("/console/approvals/\(id)/approve") && html(list).contains(t("console.approvals_withdraw")))
                // Posted by hand (the page offers no such button), after re-authenticating: still refused.
                _ = try await b.submit(try await b.get("/console/reauth?next=/console/approvals"), action: "/console/reauth", ["code": fx.freshCode(help)])
                let fields = try b.hiddenFields(list, action: "/console/approvals/\(id)/reject")
                let own = try await b.post("/console/approvals/\(id)/approve", fields)
                #expect(own.status == .forbidden && html(own).contains(t("console.approvals_error_forbidden")))

                var a = Browser(client)
                try await a.consoleLogin(aud, fx: fx)
                #expect(try await a.get(Self.page).status == .forbidden)
                #expect(try await a.get("/console/approvals").status == .forbidden)

                var c = Browser(client)
                try await c.consoleLogin(tadm, fx: fx)
                let theirs = try await c.get("/console/approvals")
                let first = try await c.submit(theirs, action: "/console/approvals/\(id)/approve", [:])
                #expect(first.headers[.location] == "/console/reauth?next=/console/approvals")
                _ = try await c.submit(try await c.get(first.headers[.location]!), action: "/console/reauth", ["code": fx.freshCode(tadm)])
                let approved = try await c.submit(try await c.get("/console/approvals"), action: "/console/approvals/\(id)/approve", [:])
                #expect(approved.headers[.location] == "/console/approvals?m=approved")
                #expect(try await Self.state(fx, token) == .disabled)
            }
        }
    }
}
