import Foundation
import HummingbirdTesting
import LifelineApp
import LifelineCore
import Testing

/// The action pages of the web app (form pages, result pages, the card tool's deep link).
@Suite("Web pages: recovery actions")
struct WebActionTests {
    /// Takes the browser through alice's sms-totp verification; returns the response of the last submission.
    func verify(_ b: inout Browser, _ fx: Fixture) async throws -> TestResponse {
        fx.clock.advance(seconds: 30)
        var page = try await b.get("/recover?tenant=demo")
        page = try await b.submit(page, action: "/recover", ["username": "alice"])
        page = try await b.get("/recover/flow")
        page = try await b.submit(page, action: "/recover/flow", ["flow": "sms-totp"])
        page = try await b.get("/recover/flow")
        page = try await b.submit(page, action: "/recover/flow", ["contact": "0", "number": "+420777123789"])
        page = try await b.get("/recover/flow")
        page = try await b.submit(page, action: "/recover/flow", ["code": try await fx.sentCode(to: "+420777123789")])
        page = try await b.get("/recover/flow")
        return try await b.submit(page, action: "/recover/flow", ["code": fx.totp()])
    }

    @Test("reset password page: rules shown, errors translated and passwords never echoed, success shown on the actions page")
    func resetPasswordPage() async throws {
        try await Fixture.with { fx in
            try await fx.seedRecovery()
            fx.clock.set(Date())
            try await fx.app().test(.router) { client in
                var b = Browser(client)
                _ = try await verify(&b, fx)
                var page = try await b.get("/recover/action/reset-password")
                #expect(page.status == .ok)
                var text = html(page)
                #expect(text.contains(t("web.title_reset-password")) && text.contains(t("web.rules_title")))
                #expect(text.contains(t("password.rule_length", "en", ["min": "12", "max": "128"])))
                #expect(text.contains("type=\"password\" name=\"password\" id=\"f-password\" value=\"\" autocomplete=\"new-password\""))
                page = try await b.submit(page, action: "/recover/action/reset-password", ["password": "tr0ub4dor&3xyz", "confirmation": "tr0ub4dor&3xyZ"])
                #expect(page.status == .badRequest)
                text = html(page)
                #expect(text.contains(t("password.mismatch")) && !text.contains("tr0ub4dor"))
                page = try await b.submit(page, action: "/recover/action/reset-password", ["password": "alice-alice-alice", "confirmation": "alice-alice-alice"])
                #expect(html(page).contains(t("password.contains_username")))
                page = try await b.submit(page, action: "/recover/action/reset-password", ["password": "correct horse battery", "confirmation": "correct horse battery"])
                #expect(page.status == .seeOther && page.headers[.location] == "/recover/flow")
                page = try await b.get("/recover/flow")
                text = html(page)
                #expect(text.contains(t("notice.password_reset")))
                #expect(text.contains("data-action=\"reset-password\" disabled aria-describedby=\"action-reset-password-note\""))
                // The form of a used action is not shown again.
                #expect(try await b.get("/recover/action/reset-password").status == .conflict)
            }
        }
    }

    @Test("emergency code: shown once on a result page that is never cached")
    func emergencyCodePage() async throws {
        try await Fixture.with { fx in
            try await fx.seedRecovery()
            fx.clock.set(Date())
            try await fx.app().test(.router) { client in
                var b = Browser(client)
                _ = try await verify(&b, fx)
                let flowPage = try await b.get("/recover/flow")
                let page = try await b.submit(flowPage, action: "/recover/action/emergency-code", [:])
                #expect(page.status == .ok)
                #expect(page.headers[.cacheControl] == "no-store")
                let text = html(page)
                #expect(text.contains(t("web.title_code_result")) && text.contains(t("web.code_uses#other", "en", ["count": "5"])))
                let code = try #require(text.firstMatch(of: /id="result-value"[^>]*>([0-9 ]+)</)).1
                #expect(code.filter(\.isNumber).count == 10)
                #expect(try await client.validate(String(code), tenant: "demo", key: fx.validateKey) == "accept")
            }
        }
    }

    @Test("card tool deep link: serial and challenge carried through verification and only pre-filled; the cryptogram only after the user confirms them (POST with CSRF)")
    func deepLink() async throws {
        try await Fixture.with { fx in
            try await fx.seedRecovery()
            _ = try await fx.runtime.admin.importCard(tenantName: "demo", username: "alice", serial: "ALICE-0001", algorithm: .tripleDES,
                                                      keyHex: CardAndCodeActionTests.key3DES, caller: fx.caller)
            fx.clock.set(Date())
            try await fx.app().test(.router) { client in
                var b = Browser(client)
                // A malformed link is refused with a page, and sets nothing.
                let bad = try await b.get("/unblock?serial=%3Cscript%3E&challenge=1")
                #expect(bad.status == .badRequest && b.cookies["__Host-lifeline_unblock"] == nil)
                let link = try await b.get("/unblock?tenant=demo&serial=ALICE-0001&challenge=0011-2233-4455-6677")
                #expect(link.status == .seeOther && link.headers[.location] == "/recover?tenant=demo")
                #expect(b.cookies["__Host-lifeline_unblock"] == "ALICE-0001.0011223344556677")
                let expected = try opensslECB("des-ede3", keyHex: CardAndCodeActionTests.key3DES, block: hexBytes("0011223344556677"))
                // Why no cryptogram yet: the link may have been planted cross-site; the verification's last submission
                // only leads to the confirmation page, and the grant is not used.
                let last = try await verify(&b, fx)
                #expect(last.status == .seeOther && last.headers[.location] == "/recover/action/card-unblock")
                #expect(!String(buffer: last.body).contains(expected))
                #expect(b.cookies["__Host-lifeline_unblock"] != nil)
                let actions = html(try await b.get("/recover/flow"))
                #expect(actions.contains(t("prompt.verified")) && !actions.contains("data-action=\"card-unblock\" disabled"))
                let confirm = try await b.get("/recover/action/card-unblock")
                #expect(confirm.status == .ok)
                var text = html(confirm)
                #expect(text.contains(t("web.confirm_card-unblock")) && text.contains(t("web.submit_confirm_card-unblock")))
                #expect(text.contains("value=\"ALICE-0001\"") && text.contains("value=\"0011223344556677\""))
                #expect(!text.contains(t("web.title_card_result")) && !text.contains(expected))
                // Without the CSRF token (a cross-site form) the confirmation is refused and computes nothing.
                let forged = try await b.post("/recover/action/card-unblock", ["serial": "ALICE-0001", "challenge": "0011223344556677"])
                #expect(forged.status == .forbidden && !html(forged).contains(expected))
                #expect(!html(try await b.get("/recover/flow")).contains("data-action=\"card-unblock\" disabled"))
                // The user's confirmation (the browser posts the pre-filled fields): the response, and the link's cookie is gone.
                let result = try await b.submit(confirm, action: "/recover/action/card-unblock", ["serial": "ALICE-0001", "challenge": "0011223344556677"])
                #expect(result.status == .ok)
                text = html(result)
                #expect(text.contains(t("web.title_card_result")))
                let shown = try #require(text.firstMatch(of: /id="result-value"[^>]*>([0-9A-F ]+)</)).1
                #expect(shown.replacingOccurrences(of: " ", with: "") == expected)
                #expect(b.cookies["__Host-lifeline_unblock"] == nil)
                // A mistyped challenge on the form keeps what was typed and names the group.
                var c = Browser(client)
                _ = try await verify(&c, fx)
                var form = try await c.get("/recover/action/card-unblock")
                var groups = ChallengeCode.format(hexBytes("0011223344556677"), as: .decimal).split(separator: " ").map(String.init)
                let g = Array(groups[2]); groups[2] = String(g[0] == "9" ? "0" : "9") + String(g.dropFirst())
                form = try await c.submit(form, action: "/recover/action/card-unblock", ["serial": "ALICE-0001", "challenge": groups.joined(separator: " ")])
                #expect(form.status == .badRequest)
                #expect(html(form).contains(t("card.challenge_group", "en", ["group": "3"])) && html(form).contains("value=\"ALICE-0001\""))
                // Only the challenge is marked wrong, and it gets the focus.
                let lines = html(form).split(separator: "\n")
                let serialInput = try #require(lines.first { $0.contains("id=\"f-serial\"") })
                let challengeInput = try #require(lines.first { $0.contains("id=\"f-challenge\"") })
                #expect(!serialInput.contains("aria-invalid") && !serialInput.contains("autofocus"))
                #expect(challengeInput.contains("autofocus aria-invalid=\"true\""))
            }
        }
    }
}
