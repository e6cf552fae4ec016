import Foundation
import HummingbirdTesting
import LifelineCore
import Testing

/// The console's Lifeline Authenticator section on the user details page (issue 16): shown by permission, buttons for
/// helpdesk and above, the reason required, re-authentication before a UBC or an activation, and the outcomes.
@Suite("Console: Lifeline Authenticator section")
struct ConsoleAuthenticatorTests {
    static let page = "/console/users/acme/alice"
    static let action = "/console/users/acme/alice/authenticator"

    @Test("helpdesk sees the section with its four buttons; an auditor sees the section without buttons")
    func sectionByRole() async throws {
        try await Fixture.with { fx in
            try await fx.seedAlice()
            let help = try await fx.consoleOperator("help", role: .helpdesk)
            let aud = try await fx.consoleOperator("aud", role: .auditor)
            try await fx.app().test(.router) { client in
                var b = Browser(client)
                try await b.consoleLogin(help, fx: fx)
                let page = html(try await b.get(Self.page))
                #expect(page.contains(t("console.authenticator_heading")))
                for name in ["ubc_display", "pin_block", "pin_reset_present", "activation"] {
                    #expect(page.contains("data-do=\"\(name)\""), "no \(name) button")
                }
                #expect(page.contains("action=\"\(Self.action)\""))
                var a = Browser(client)
                try await a.consoleLogin(aud, fx: fx)
                let audited = html(try await a.get(Self.page))
                #expect(audited.contains(t("console.authenticator_heading")))
                #expect(!audited.contains("data-do=\"pin_block\"") && !audited.contains("data-do=\"activation\""))
            }
        }
    }

    @Test("Block PIN needs its reason (400, the section says so); an unknown button is 400; an auditor's post is 403")
    func refusals() async throws {
        try await Fixture.with { fx in
            try await fx.seedAlice()
            let help = try await fx.consoleOperator("help", role: .helpdesk)
            let aud = try await fx.consoleOperator("aud", role: .auditor)
            try await fx.app().test(.router) { client in
                var b = Browser(client)
                try await b.consoleLogin(help, fx: fx)
                let page = try await b.get(Self.page)
                let missing = try await b.submit(page, action: Self.action, ["do": "pin_block", "reason": " "])
                #expect(missing.status == .badRequest && html(missing).contains(t("console.helpdesk_error_reason")))
                #expect(html(missing).contains("id=\"authenticator-error\""))
                let unknown = try await b.submit(page, action: Self.action, ["do": "token_disable", "reason": "INC-1"])
                #expect(unknown.status == .badRequest)
                var a = Browser(client)
                try await a.consoleLogin(aud, fx: fx)
                // Posted by hand with the auditor's own CSRF token (its page has no such form).
                let fields = try a.hiddenFields(try await a.get(Self.page), action: "/console/logout")
                let refused = try await a.post(Self.action, fields.merging(["do": "pin_block", "reason": "INC-1"]) { $1 })
                #expect(refused.status == .forbidden, "\(refused.status)")
                #expect(html(refused).contains(t("console.helpdesk_error_forbidden")),
                        "\(html(refused).split(separator: "\n").filter { $0.contains("alert") || $0.contains("<h1") || $0.contains("authenticator") })")
            }
        }
    }

    @Test("Display UBC, Reset PIN and New activation ask for re-authentication first; Block PIN does not")
    func reauthentication() async throws {
        try await Fixture.with { fx in
            try await fx.seedAlice()
            let help = try await fx.consoleOperator("help", role: .helpdesk)
            try await fx.app().test(.router) { client in
                var b = Browser(client)
                try await b.consoleLogin(help, fx: fx)
                let page = try await b.get(Self.page)
                for name in ["ubc_display", "pin_reset_present", "activation"] {
                    let r = try await b.submit(page, action: Self.action, ["do": name, "reason": "INC-2"])
                    #expect(r.status == .seeOther && r.headers[.location]?.hasPrefix("/console/reauth?next=") == true, "\(name): \(r.status)")
                }
                let block = try await b.submit(page, action: Self.action, ["do": "pin_block", "reason": "INC-2"])
                #expect(block.headers[.location]?.hasPrefix("/console/reauth") != true)
            }
        }
    }

    @Test("caller verification required by the tenant: Display UBC is refused with a link to the helpdesk page")
    func callerRequired() async throws {
        try await Fixture.with { fx in
            try await fx.seedAlice()
            var config = RecoveryConfig()
            config.helpdesk = HelpdeskSettings(requireCallerVerification: [.ubcDisplay])
            _ = try await fx.runtime.admin.applyRecoveryConfig(tenantName: "acme", config, caller: .cli)
            let help = try await fx.consoleOperator("help", role: .helpdesk)
            try await fx.app().test(.router) { client in
                _ = try await AuthenticatorFlowTests.activatedApp(fx, client)
                var b = Browser(client)
                try await b.consoleLogin(help, fx: fx)
                _ = try await b.submit(try await b.get("/console/reauth?next=/console"), action: "/console/reauth", ["code": fx.freshCode(help)])
                let page = try await b.get(Self.page)
                #expect(html(page).contains(t("console.helpdesk_hint_caller")))
                let r = try await b.submit(page, action: Self.action, ["do": "ubc_display", "reason": "INC-3"])
                #expect(r.status == .forbidden && html(r).contains(t("console.helpdesk_error_caller_required")))
                #expect(html(r).contains("href=\"/console/users/acme/alice/helpdesk\""))
            }
        }
    }

    @Test("with an activated app: the device is listed; Block PIN → blocked in red and in words; Display UBC and New activation shown once")
    func buttonsWork() async throws {
        try await Fixture.with { fx in
            try await fx.seedAlice()
            let help = try await fx.consoleOperator("help", role: .helpdesk)
            try await fx.app().test(.router) { client in
                _ = try await AuthenticatorFlowTests.activatedApp(fx, client)
                var b = Browser(client)
                try await b.consoleLogin(help, fx: fx)
                let page = try await b.get(Self.page)
                #expect(html(page).contains("Test phone") && html(page).contains(t("console.authenticator_state_active")))
                #expect(!html(page).contains("state-blocked"))
                let blocked = try await b.submit(page, action: Self.action, ["do": "pin_block", "reason": "INC-5"])
                #expect(blocked.status == .seeOther && blocked.headers[.location] == Self.page + "?a=blocked")
                let after = html(try await b.get(Self.page + "?a=blocked"))
                #expect(after.contains(t("console.authenticator_msg_blocked")))
                // Red (the class) and in words: not colour alone.
                #expect(after.contains("id=\"authenticator-state\" class=\"state-blocked\" data-blocked=\"true\""), "\(after)")
                #expect(after.contains("BLOCKED"))
                _ = try await b.submit(try await b.get("/console/reauth?next=/console"), action: "/console/reauth", ["code": fx.freshCode(help)])
                let shown = try await b.submit(try await b.get(Self.page), action: Self.action, ["do": "ubc_display", "reason": "INC-5"])
                #expect(shown.status == .ok && shown.headers[.cacheControl] == "no-store")
                let ubc = try #require(html(shown).firstMatch(of: /id="ubc-value"><code>([0-9]{8})<\/code>/)).1
                let later = html(try await b.get(Self.page))
                #expect(!later.contains(String(ubc)) && later.contains("id=\"authenticator-ubc\""))
                let activation = try await b.submit(try await b.get(Self.page), action: Self.action, ["do": "activation"])
                #expect(activation.status == .ok && activation.headers[.cacheControl] == "no-store")
                #expect(html(activation).contains("lifeline://activate?") && html(activation).contains("<svg"))
            }
        }
    }
}
