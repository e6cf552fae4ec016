import Foundation
import Hummingbird
import HummingbirdTesting
import HTTPTypes
import LifelineApp
import LifelineCore
import Testing

/// The console shell over HTTP: login with password and TOTP, the session cookie, expiry, CSRF, roles, sessions,
/// enrolment, re-authentication, and the operators' admin API.
@Suite("Console")
struct ConsoleTests {
    @Test("Login with name, password and TOTP leads to the dashboard; the cookie is __Host-, HttpOnly, Strict; the login is counted")
    func loginToDashboard() async throws {
        try await Fixture.with { fx in
            try await fx.tenant()
            let helen = try await fx.consoleOperator("helen", role: .helpdesk)
            try await fx.app().test(.router) { client in
                var b = Browser(client)
                let before = try await b.get("/console")
                #expect(before.status == .seeOther && before.headers[.location] == "/console/login?next=/console")
                let login = try await b.consoleLogin(helen, fx: fx)
                #expect(login.status == .seeOther && login.headers[.location] == "/console")
                let cookie = try #require(b.lastSetCookies.first { $0.hasPrefix("__Host-lifeline_console=") })
                #expect(cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict") && cookie.contains("Secure") && cookie.contains("Path=/"))
                let dash = try await b.get("/console")
                #expect(dash.status == .ok)
                #expect(dash.headers[.contentSecurityPolicy] == expectedCSP)
                #expect(html(dash).contains(t("console.shell_dashboard_welcome", "en", ["name": "helen"])))
                // The menu shows what a helpdesk may use: users and sessions, not the audit log or operators.
                #expect(html(dash).contains("href=\"/console/users\"") && html(dash).contains("href=\"/console/sessions\""))
                #expect(!html(dash).contains("href=\"/console/audit\"") && !html(dash).contains("href=\"/console/operators\""))
                let metrics = String(buffer: try await client.send(.get, "/metrics").body)
                #expect(metrics.contains("lifeline_console_logins_total{result=\"success\"} 1"))
            }
        }
    }

    @Test("A wrong TOTP, a wrong password, an unknown name and a replayed code get the same 401 page and no session")
    func wrongTOTP() async throws {
        try await Fixture.with { fx in
            try await fx.tenant()
            let helen = try await fx.consoleOperator("helen", role: .helpdesk)
            try await fx.app().test(.router) { client in
                var b = Browser(client)
                let refused = t("console.shell_login_refused")
                let wrongCode = try await b.consoleLogin(helen, fx: fx, code: fx.wrongCode())
                let wrongPassword = try await b.consoleLogin(helen, fx: fx, password: "not the password at all")
                let unknown = try await b.consoleLogin(ConsoleOperator(name: "nobody", password: "x", secret: helen.secret), fx: fx)
                for r in [wrongCode, wrongPassword, unknown] {
                    #expect(r.status == .unauthorized)
                    #expect(html(r).contains(refused))
                }
                #expect(b.cookies["__Host-lifeline_console"] == nil)
                // A code used once is refused the second time (another browser, same step).
                let code = fx.freshCode(helen)
                var first = Browser(client), second = Browser(client)
                #expect(try await first.consoleLogin(helen, fx: fx, code: code).status == .seeOther)
                let replay = try await second.consoleLogin(helen, fx: fx, code: code)
                #expect(replay.status == .unauthorized && html(replay).contains(refused))
                let metrics = String(buffer: try await client.send(.get, "/metrics").body)
                #expect(metrics.contains("lifeline_console_logins_total{result=\"failure\"} 4"))
            }
        }
    }

    @Test("A session ends after 15 minutes idle (sliding) and 8 hours after login: the next page redirects to login")
    func sessionExpiry() async throws {
        try await Fixture.with { fx in
            try await fx.tenant()
            let helen = try await fx.consoleOperator("helen", role: .helpdesk)
            try await fx.app().test(.router) { client in
                var b = Browser(client)
                try await b.consoleLogin(helen, fx: fx)
                // Activity every 10 minutes keeps it alive…
                for _ in 0..<3 {
                    fx.clock.advance(seconds: 600)
                    #expect(try await b.get("/console/sessions").status == .ok)
                }
                // …15 minutes without a request end it.
                fx.clock.advance(seconds: 15 * 60)
                let expired = try await b.get("/console/sessions")
                #expect(expired.status == .seeOther && expired.headers[.location] == "/console/login?next=/console/sessions")
                // The absolute limit: active all along, ended 8 hours after login.
                try await b.consoleLogin(helen, fx: fx)
                for _ in 0..<(8 * 6 - 1) {
                    fx.clock.advance(seconds: 600)
                    #expect(try await b.get("/console").status == .ok)
                }
                fx.clock.advance(seconds: 600)
                #expect(try await b.get("/console").status == .seeOther)
            }
        }
    }

    @Test("A console POST without the right CSRF token is a 403 page and changes nothing")
    func csrfRefusal() async throws {
        try await Fixture.with { fx in
            try await fx.tenant()
            let helen = try await fx.consoleOperator("helen", role: .helpdesk)
            try await fx.app().test(.router) { client in
                var b = Browser(client)
                try await b.consoleLogin(helen, fx: fx)
                for form in [[:], ["csrf_token": "x"], ["csrf_token": String(repeating: "A", count: 43)]] {
                    let r = try await b.post("/console/logout", form)
                    #expect(r.status == .forbidden)
                    #expect(html(r).contains(t("console.shell_csrf_title")))
                }
                // A post another site made (the browser says so) is refused even with the right token.
                let page = try await b.get("/console/sessions")
                var fields = try b.hiddenFields(page, action: "/console/logout")
                fields["x"] = "1"
                let crossSite = try await b.post("/console/logout", fields, headers: [HTTPField.Name("Sec-Fetch-Site")!: "cross-site"])
                #expect(crossSite.status == .forbidden)
                #expect(try await b.get("/console").status == .ok, "still logged in")
                let out = try await b.consolePost("/console", action: "/console/logout")
                #expect(out.status == .seeOther && out.headers[.location] == "/console/login")
                #expect(try await b.get("/console").status == .seeOther)
            }
        }
    }

    @Test("Each role on /console/operators: auditor, helpdesk and useradmin refused; a tenant-admin lists and creates lower roles only, after re-auth")
    func operatorsByRole() async throws {
        try await Fixture.with { fx in
            try await fx.tenant()
            try await fx.tenant("other")
            let ops = [try await fx.consoleOperator("aud", role: .auditor), try await fx.consoleOperator("help", role: .helpdesk),
                       try await fx.consoleOperator("uadm", role: .useradmin)]
            let tadm = try await fx.consoleOperator("tadm", role: .tenantAdmin)
            try await fx.consoleOperator("stranger", role: .helpdesk, tenants: ["other"])
            try await fx.app().test(.router) { client in
                for op in ops {
                    var b = Browser(client)
                    try await b.consoleLogin(op, fx: fx)
                    let r = try await b.get("/console/operators")
                    #expect(r.status == .forbidden, "\(op.name)")
                    #expect(html(r).contains(t("console.shell_forbidden_title")))
                }
                var b = Browser(client)
                try await b.consoleLogin(tadm, fx: fx)
                let list = try await b.get("/console/operators")
                #expect(list.status == .ok)
                let page = html(list)
                for name in ["aud", "help", "uadm", "tadm"] { #expect(page.contains("data-operator=\"\(name)\""), "\(name)") }
                #expect(!page.contains("stranger"), "another tenant's operator is not listed")
                #expect(page.contains("<option value=\"useradmin\">") && !page.contains("<option value=\"tenant-admin\">") && !page.contains("<option value=\"superuser\">"))
                // Creating asks for the TOTP again first.
                let create = try await b.submit(list, action: "/console/operators", ["name": "newbie", "role": "helpdesk", "tenant_acme": "1"])
                #expect(create.status == .seeOther && create.headers[.location] == "/console/reauth?next=/console/operators")
                let reauth = try await b.get("/console/reauth?next=/console/operators")
                let done = try await b.submit(reauth, action: "/console/reauth", ["code": fx.freshCode(tadm)])
                #expect(done.status == .seeOther && done.headers[.location] == "/console/operators")
                let created = try await b.submit(try await b.get("/console/operators"), action: "/console/operators",
                                                 ["name": "newbie", "role": "helpdesk", "tenant_acme": "1"])
                #expect(created.status == .ok)
                // The link has the listener's scheme (plain HTTP here), whatever the cookies' Secure setting.
                #expect(html(created).contains("<code id=\"enrolment-url\">http://localhost/console/enrol/"), "\(html(created))")
                // A tenant-admin may not make another tenant-admin, nor an operator of another tenant.
                for form in [["name": "peer", "role": "tenant-admin", "tenant_acme": "1"], ["name": "out", "role": "helpdesk", "tenant_other": "1"]] {
                    let r = try await b.submit(try await b.get("/console/operators"), action: "/console/operators", form)
                    #expect(r.status == .forbidden, "\(form)")
                }
                #expect(try await fx.runtime.operators.list(caller: .cli).map(\.op.name).sorted() == ["aud", "help", "newbie", "stranger", "tadm", "uadm"])
                // Disabling a lower operator ends its sessions; its own row has no buttons.
                var helpBrowser = Browser(client)
                try await helpBrowser.consoleLogin(ops[1], fx: fx)
                let disabled = try await b.consolePost("/console/operators", action: "/console/operators/help/disable")
                #expect(disabled.status == .seeOther)
                #expect(try await helpBrowser.get("/console").status == .seeOther)
                #expect(!html(try await b.get("/console/operators")).contains("/console/operators/tadm/disable"))
            }
        }
    }

    @Test("My sessions: two browsers, one ends the other; ending the current one is logout")
    func sessionsPage() async throws {
        try await Fixture.with { fx in
            try await fx.tenant()
            let helen = try await fx.consoleOperator("helen", role: .helpdesk)
            try await fx.app().test(.router) { client in
                var first = Browser(client), second = Browser(client)
                try await first.consoleLogin(helen, fx: fx)
                try await second.consoleLogin(helen, fx: fx)
                let list = try await first.get("/console/sessions")
                let ids = html(list).matches(of: /data-session="([0-9a-f-]+)"/).map { String($0.1) }
                #expect(ids.count == 2)
                let current = try #require(html(list).firstMatch(of: /data-session="([0-9a-f-]+)" class="current"/)).1
                let other = try #require(ids.first { $0 != String(current) })
                let ended = try await first.submit(list, action: "/console/sessions/\(other)/end", [:])
                #expect(ended.status == .seeOther && ended.headers[.location] == "/console/sessions")
                #expect(try await second.get("/console").status == .seeOther)
                let own = try await first.consolePost("/console/sessions", action: "/console/sessions/\(current)/end")
                #expect(own.headers[.location] == "/console/login")
                #expect(try await first.get("/console").status == .seeOther)
            }
        }
    }

    @Test("Enrolment: the link shows the secret; password rules and a wrong code are refused; it works once; then login")
    func enrolment() async throws {
        try await Fixture.with { fx in
            try await fx.tenant()
            let created = try await fx.runtime.operators.create(name: "Nova", role: .auditor, tenants: ["acme"], caller: .cli)
            #expect(created.op.name == "nova" && created.op.state == .pending)
            try await fx.app().test(.router) { client in
                var b = Browser(client)
                let uri = "/console/enrol/" + created.enrolmentToken
                let page = try await b.get(uri)
                #expect(page.status == .ok)
                let secretText = try #require(html(page).firstMatch(of: /data-secret="([A-Z2-7]+)"/)).1
                let secret = try #require(Base32.decode(String(secretText)))
                #expect(html(page).contains("otpauth://totp/"))
                let code = { () -> String in fx.clock.advance(seconds: 30); return fx.totp(secret: secret) }
                let short = try await b.submit(page, action: uri, ["password": "short", "password2": "short", "code": code()])
                #expect(short.status == .badRequest && html(short).contains(t("password.too_short", "en", ["min": "15"])))
                let common = try await b.submit(page, action: uri, ["password": "Password123456789!", "password2": "Password123456789!", "code": code()])
                #expect(common.status == .badRequest && html(common).contains(t("password.common")))
                let good = "correct horse battery staple"
                let wrong = try await b.submit(page, action: uri, ["password": good, "password2": good, "code": fx.wrongCode()])
                #expect(wrong.status == .badRequest && html(wrong).contains(t("console.shell_enrol_wrong_code")))
                let mismatch = try await b.submit(page, action: uri, ["password": good, "password2": good + "x", "code": code()])
                #expect(mismatch.status == .badRequest)
                let done = try await b.submit(page, action: uri, ["password": good, "password2": good, "code": code()])
                #expect(done.status == .ok && html(done).contains(t("console.shell_enrolled_title")))
                #expect(try await b.get(uri).status == .notFound, "the link works once")
                let login = try await b.consoleLogin(ConsoleOperator(name: "nova", password: good, secret: secret), fx: fx)
                #expect(login.status == .seeOther)
                #expect(try await b.get("/console").status == .ok)
            }
        }
    }

    @Test("An enrolment link is dead after 24 hours; re-auth refuses a wrong code; next= stays under /console")
    func enrolmentExpiryAndSafeNext() async throws {
        try await Fixture.with { fx in
            try await fx.tenant()
            let created = try await fx.runtime.operators.create(name: "late", role: .helpdesk, tenants: ["acme"], caller: .cli)
            let helen = try await fx.consoleOperator("helen", role: .helpdesk)
            try await fx.app().test(.router) { client in
                var b = Browser(client)
                fx.clock.advance(seconds: 24 * 3600)
                #expect(try await b.get("/console/enrol/" + created.enrolmentToken).status == .notFound)
                #expect(try await b.get("/console/enrol/not-a-token").status == .notFound)
                let page = try await b.get("/console/login?next=https://evil.example/")
                #expect(html(page).contains("name=\"next\" value=\"/console\""))
                try await b.consoleLogin(helen, fx: fx)
                let reauth = try await b.get("/console/reauth?next=//evil.example")
                #expect(html(reauth).contains("name=\"next\" value=\"/console\""))
                let refused = try await b.submit(reauth, action: "/console/reauth", ["code": fx.wrongCode()])
                #expect(refused.status == .unauthorized && html(refused).contains(t("console.shell_reauth_refused")))
            }
        }
    }

    @Test("Admin API: list, create (enrolment URL), disable, enable; a helpdesk key is refused; a tenant key sees its tenant only")
    func adminAPI() async throws {
        try await Fixture.with { fx in
            try await fx.tenant()
            try await fx.tenant("other")
            let helpdeskKey = try await fx.key(.helpdesk, tenant: "acme")
            let tenantAdminKey = try await fx.key(.tenantAdmin, tenant: "acme")
            try await fx.app().test(.router) { client in
                let created = try await client.send(.post, "/api/v1/admin/operators", key: fx.adminKey,
                                                    json: ["name": "ann", "role": "helpdesk", "tenants": ["acme"]])
                #expect(created.status == .created)
                let body = try jsonObject(created)
                #expect((body["enrolment_url"] as? String)?.contains("/console/enrol/") == true)
                #expect((body["operator"] as? [String: Any])?["state"] as? String == "pending")
                try await client.send(.post, "/api/v1/admin/operators", key: fx.adminKey, json: ["name": "oscar", "role": "auditor", "tenants": ["other"]])
                #expect(try jsonList(try await client.send(.get, "/api/v1/admin/operators", key: fx.adminKey), "operators").count == 2)
                let scoped = try jsonList(try await client.send(.get, "/api/v1/admin/operators", key: tenantAdminKey), "operators")
                #expect(scoped.map { $0["name"] as? String } == ["ann"])
                let disabled = try jsonObject(try await client.send(.post, "/api/v1/admin/operators/ann/disable", key: tenantAdminKey))
                #expect(disabled["state"] as? String == "disabled")
                #expect(try await client.send(.post, "/api/v1/admin/operators/oscar/disable", key: tenantAdminKey).status == .notFound)
                try expectError(try await client.send(.get, "/api/v1/admin/operators", key: helpdeskKey), .forbidden, "forbidden")
                try expectError(try await client.send(.post, "/api/v1/admin/operators", key: tenantAdminKey,
                                                      json: ["name": "boss", "role": "tenant-admin", "tenants": ["acme"]]), .forbidden, "forbidden")
                try expectError(try await client.send(.post, "/api/v1/admin/operators", key: fx.adminKey,
                                                      json: ["name": "Bad Name", "role": "helpdesk", "tenants": ["acme"]]), .badRequest, "invalid_request")
            }
        }
    }

    @Test("server.publicURL is the base of enrolment links; a URL that is not http(s) or has a query is refused at start")
    func publicURL() async throws {
        let bad = ["ftp://x.example", "https://x.example/?a=1", "lifeline.example.org"]
        for value in bad {
            await #expect(throws: LifelineError.self, "\(value)") {
                _ = try await LifelineConfiguration.load(flags: ["server.publicURL": value], configFile: nil, environment: [:])
            }
        }
        try await Fixture.with(configure: { $0.publicURL = "https://lifeline.example.org/" }) { fx in
            try await fx.tenant()
            try await fx.app().test(.router) { client in
                let created = try jsonObject(try await client.send(.post, "/api/v1/admin/operators", key: fx.adminKey,
                                                                   json: ["name": "ann", "role": "helpdesk", "tenants": ["acme"]]))
                #expect((created["enrolment_url"] as? String)?.hasPrefix("https://lifeline.example.org/console/enrol/") == true)
            }
            #expect(fx.runtime.publicBaseURL == "https://lifeline.example.org")
        }
    }
}
