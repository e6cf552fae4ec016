import Foundation
import HummingbirdTesting
import HTTPTypes
import LifelineCore
import Testing

/// The console's read pages over HTTP (issue 15): dashboard, search, details, audit log, organization settings —
/// each within the operator's organizations, and refused to a role without the permission.
@Suite("Console pages: dashboard, search, details, audit, settings")
struct ConsolePagesTests {
    /// acme: alice (TOTP, locked, an email); other: olga.
    static func seed(_ fx: Fixture) async throws {
        try await fx.seedAlice()
        _ = try await fx.runtime.admin.addContact(tenantName: "acme", username: "alice", kind: .email, value: "alice@example.com", verified: true, caller: .cli)
        try await fx.tenant("other")
        try await fx.user("olga", tenant: "other")
        try await fx.lockTokens()
    }

    @Test("dashboard: 24 bars of inline SVG without style attributes, locked tokens listed and flagged, the page's CSP")
    func dashboard() async throws {
        try await Fixture.with { fx in
            try await Self.seed(fx)
            let admin = try await fx.consoleOperator("tara", role: .tenantAdmin)
            try await fx.app().test(.router) { client in
                var b = Browser(client)
                try await b.consoleLogin(admin, fx: fx)
                let page = try await b.get("/console")
                #expect(page.status == .ok)
                #expect(page.headers[.contentSecurityPolicy] == expectedCSP)
                let text = html(page)
                #expect(text.contains(t("console.shell_dashboard_welcome", "en", ["name": "tara"])))
                #expect(text.components(separatedBy: "<rect ").count - 1 == 24)
                #expect(!text.contains("style="), "the CSP forbids inline style")
                #expect(text.contains(t("console.pages_attention_locked_tokens", "en", ["count": "1"])))
                #expect(text.contains("href=\"/console/users/acme/alice\""))
                #expect(text.contains("href=\"/console/settings\""), "a tenant-admin's menu has the settings")
            }
        }
    }

    @Test("search: an operator of acme finds acme's users only; a one-letter query is a 400 page with the form")
    func search() async throws {
        try await Fixture.with { fx in
            try await Self.seed(fx)
            let helen = try await fx.consoleOperator("helen", role: .helpdesk)
            try await fx.app().test(.router) { client in
                var b = Browser(client)
                try await b.consoleLogin(helen, fx: fx)
                let found = try await b.get("/console/users?q=example.COM")
                #expect(found.status == .ok)
                #expect(html(found).contains("href=\"/console/users/acme/alice\""))
                let other = try await b.get("/console/users?q=olga")
                #expect(html(other).contains(t("console.pages_search_none")))
                #expect(!html(other).contains("/console/users/other/"))
                let bad = try await b.get("/console/users?q=a")
                #expect(bad.status == .badRequest)
                #expect(html(bad).contains(t("console.pages_search_invalid")))
                #expect(html(bad).contains("id=\"search-form\""))
            }
        }
    }

    @Test("details: contacts, token state; helpdesk link for a helpdesk, edit link for a useradmin, events for a tenant-admin")
    func details() async throws {
        try await Fixture.with { fx in
            try await Self.seed(fx)
            let helen = try await fx.consoleOperator("helen", role: .helpdesk)
            let uma = try await fx.consoleOperator("uma", role: .useradmin)
            let tara = try await fx.consoleOperator("tara", role: .tenantAdmin)
            try await fx.app().test(.router) { client in
                var b = Browser(client)
                try await b.consoleLogin(helen, fx: fx)
                let page = html(try await b.get("/console/users/acme/alice"))
                #expect(page.contains("alice@example.com"))
                #expect(page.contains(t("console.pages_state_locked")))
                #expect(page.contains("id=\"helpdesk-link\"") && !page.contains("id=\"edit-link\""))
                #expect(!page.contains("id=\"events\""), "a helpdesk reads no audit events")
                let refused = try await b.get("/console/users/other/olga")
                #expect(refused.status == .forbidden)
                var u = Browser(client)
                try await u.consoleLogin(uma, fx: fx)
                #expect(html(try await u.get("/console/users/acme/alice")).contains("id=\"edit-link\""))
                var a = Browser(client)
                try await a.consoleLogin(tara, fx: fx)
                #expect(html(try await a.get("/console/users/acme/alice")).contains("id=\"events\""))
            }
        }
    }

    @Test("audit: refused to a helpdesk; an auditor filters, sees the chain verified, and downloads CSV")
    func audit() async throws {
        try await Fixture.with { fx in
            try await Self.seed(fx)
            let helen = try await fx.consoleOperator("helen", role: .helpdesk)
            let ada = try await fx.consoleOperator("ada", role: .auditor)
            try await fx.app().test(.router) { client in
                var h = Browser(client)
                try await h.consoleLogin(helen, fx: fx)
                let refused = try await h.get("/console/audit")
                #expect(refused.status == .forbidden)
                #expect(html(refused).contains(t("console.shell_forbidden_title")))
                var b = Browser(client)
                try await b.consoleLogin(ada, fx: fx)
                let page = try await b.get("/console/audit?subject=alice&event=user.create")
                #expect(page.status == .ok)
                let text = html(page)
                #expect(text.contains("id=\"chain-state\""))
                #expect(text.contains(t("console.pages_chain_verified", "en", ["count": ""]).components(separatedBy: "(").first ?? "?"))
                #expect(text.contains("href=\"/console/audit/export?event=user.create&amp;subject=alice\""), "\(text)")
                let csv = try await b.get("/console/audit/export?event=user.create&subject=alice")
                #expect(csv.headers[.contentType]?.hasPrefix("text/csv") == true)
                let lines = String(buffer: csv.body).components(separatedBy: "\r\n").filter { !$0.isEmpty }
                #expect(lines.count == 2 && lines[1].contains(",alice,user.create,"))
                let other = try await b.get("/console/audit?tenant=other")
                #expect(other.status == .forbidden)
            }
        }
    }

    @Test("settings: an auditor is refused; a tenant-admin checks (problems with lines, or a diff) and applies with the TOTP again")
    func settings() async throws {
        try await Fixture.with { fx in
            try await Self.seed(fx)
            let ada = try await fx.consoleOperator("ada", role: .auditor)
            let tara = try await fx.consoleOperator("tara", role: .tenantAdmin)
            try await fx.app().test(.router) { client in
                var a = Browser(client)
                try await a.consoleLogin(ada, fx: fx)
                #expect(try await a.get("/console/settings/acme").status == .forbidden)
                var b = Browser(client)
                try await b.consoleLogin(tara, fx: fx)
                let list = try await b.get("/console/settings")
                #expect(list.status == .seeOther && list.headers[.location] == "/console/settings/acme", "one organization: straight to it")
                let page = try await b.get("/console/settings/acme")
                #expect(html(page).contains("tenant: acme"))
                let bad = try await b.submit(page, action: "/console/settings/acme/check", ["yaml": "tenant: acme\nrecovery:\n  no_such_key: 1\n"])
                #expect(html(bad).contains("line 3"))
                let edited = "tenant: acme\nrecovery:\n  email_domain: acme.example\n"
                let checked = try await b.submit(page, action: "/console/settings/acme/check", ["yaml": edited])
                #expect(html(checked).contains("class=\"diff-added\""))
                #expect(html(checked).contains("id=\"apply\"") && html(checked).contains("id=\"f-code\""))
                var fields = try b.hiddenFields(checked, action: "/console/settings/acme/check")
                fields["yaml"] = edited
                fields["code"] = "000000"
                let refused = try await b.post("/console/settings/acme/apply", fields)
                #expect(refused.status == .unauthorized)
                #expect(html(refused).contains(t("console.pages_settings_code_refused")))
                #expect(try await fx.runtime.admin.recoveryConfig(tenantName: "acme", caller: .cli).emailDomain != "acme.example", "nothing applied")
                fields["code"] = fx.freshCode(tara)
                let applied = try await b.post("/console/settings/acme/apply", fields)
                #expect(applied.status == .seeOther && applied.headers[.location] == "/console/settings/acme?applied=1")
                #expect(try await fx.runtime.admin.recoveryConfig(tenantName: "acme", caller: .cli).emailDomain == "acme.example")
                let events = try await fx.runtime.admin.auditEvents(tenantName: "acme", limit: 5, caller: .cli)
                #expect(events.contains { $0.record.event == "recovery.configure" && $0.record.actor == "operator:tara" })
                #expect(html(try await b.get("/console/settings/acme?applied=1")).contains(t("console.pages_settings_applied")))
            }
        }
    }
}
