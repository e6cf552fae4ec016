import Foundation
import Hummingbird
import HummingbirdTesting
import HTTPTypes
import LifelineApp
import LifelineCore
import LifelineHTTP
import NIOCore
import Testing

/// A tiny browser over a test client: keeps cookies like a browser does (by name; `Max-Age=0` deletes) and
/// sends forms as `application/x-www-form-urlencoded`.
struct Browser {
    let client: any TestClientProtocol
    var cookies: [String: String] = [:]
    var acceptLanguage: String? = "en"
    /// The `Set-Cookie` values of the last response.
    var lastSetCookies: [String] = []

    init(_ client: any TestClientProtocol, acceptLanguage: String? = "en") { self.client = client; self.acceptLanguage = acceptLanguage }

    @discardableResult
    mutating func get(_ uri: String, headers extra: HTTPFields = [:], sourceLocation: SourceLocation = #_sourceLocation) async throws -> TestResponse {
        try await send(.get, uri, body: nil, headers: extra, sourceLocation: sourceLocation)
    }

    @discardableResult
    mutating func post(_ uri: String, _ form: [String: String], headers extra: HTTPFields = [:],
                       sourceLocation: SourceLocation = #_sourceLocation) async throws -> TestResponse {
        let body = form.sorted { $0.key < $1.key }.map { "\(formEscape($0.key))=\(formEscape($0.value))" }.joined(separator: "&")
        var headers = extra
        headers[.contentType] = "application/x-www-form-urlencoded"
        return try await send(.post, uri, body: body, headers: headers, sourceLocation: sourceLocation)
    }

    /// Posts `form` plus the CSRF token and the hidden values of the form with `action` on `page`.
    @discardableResult
    mutating func submit(_ page: TestResponse, action: String, _ form: [String: String], sourceLocation: SourceLocation = #_sourceLocation) async throws -> TestResponse {
        var fields = try hiddenFields(page, action: action, sourceLocation: sourceLocation)
        fields.merge(form) { _, new in new }
        return try await post(action, fields, sourceLocation: sourceLocation)
    }

    mutating func send(_ method: HTTPRequest.Method, _ uri: String, body: String?, headers extra: HTTPFields,
                       sourceLocation: SourceLocation) async throws -> TestResponse {
        var headers = extra
        if let acceptLanguage, headers[.acceptLanguage] == nil { headers[.acceptLanguage] = acceptLanguage }
        if !cookies.isEmpty, headers[.cookie] == nil { headers[.cookie] = cookies.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: "; ") }
        let r = try await client.executeRequest(uri: uri, method: method, headers: headers, body: body.map { ByteBuffer(string: $0) })
        #expect(r.status.code < 500, "5xx for \(method) \(uri): \(String(buffer: r.body))", sourceLocation: sourceLocation)
        lastSetCookies = r.headers[values: .setCookie]
        for line in lastSetCookies {
            let pair = line.split(separator: ";")[0].split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let name = String(pair[0]), value = pair.count > 1 ? String(pair[1]) : ""
            if line.contains("Max-Age=0") { cookies.removeValue(forKey: name) } else { cookies[name] = value }
        }
        return r
    }

    /// The hidden inputs of the form posting to `action`.
    func hiddenFields(_ page: TestResponse, action: String, sourceLocation: SourceLocation = #_sourceLocation) throws -> [String: String] {
        let html = String(buffer: page.body)
        let start = try #require(html.range(of: "action=\"\(action)\""), "no form posting to \(action)", sourceLocation: sourceLocation)
        let form = html[start.upperBound...]
        let end = form.range(of: "</form>")?.lowerBound ?? form.endIndex
        var fields: [String: String] = [:]
        for m in String(form[..<end]).matches(of: /<input type="hidden" name="([^"]+)" value="([^"]*)">/) { fields[String(m.1)] = String(m.2) }
        return fields
    }
}

func formEscape(_ s: String) -> String {
    var allowed = CharacterSet.alphanumerics
    allowed.insert(charactersIn: "-._*")
    return (s.addingPercentEncoding(withAllowedCharacters: allowed) ?? "").replacingOccurrences(of: "%20", with: "+")
}

func html(_ r: TestResponse) -> String { String(buffer: r.body) }

/// The catalog text (web pages are checked against the same strings they are built from).
func t(_ id: String, _ lang: String = "en", _ args: [String: String] = [:]) -> String {
    let text = webCatalog.text(id, lang, args)
    // Templates HTML-escape; the test strings have no markup but may hold an apostrophe.
    return text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "'", with: "&#39;").replacingOccurrences(of: "\"", with: "&quot;")
}

/// The bundled catalogs (a failure to load them fails every test here, which is the point).
let webCatalog: Catalog = (try? WebResources.catalog()) ?? Catalog(texts: ["en": [:]])

let expectedCSP = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"

@Suite("Web pages")
struct WebTests {
    @Test("GET / redirects to the start page; the start page renders in en, cs and nb from Accept-Language")
    func languagesFromAcceptLanguage() async throws {
        try await Fixture.with { fx in
            try await fx.seedRecovery()
            try await fx.app().test(.router) { client in
                var b = Browser(client)
                let root = try await b.get("/")
                #expect(root.status == .seeOther && root.headers[.location] == "/recover")
                for (header, lang) in [("en-GB,en;q=0.9", "en"), ("cs-CZ,cs;q=0.9,en;q=0.5", "cs"), ("nb-NO", "nb"), ("no", "nb"), ("fr", "en"), ("de;q=0.9,nb;q=0.5", "nb")] {
                    b.acceptLanguage = header
                    let r = try await b.get("/recover?tenant=demo")
                    #expect(r.status == .ok)
                    #expect(r.headers[.contentType] == "text/html; charset=utf-8")
                    let page = html(r)
                    #expect(page.contains("<html lang=\"\(lang)\">"), "\(header) → \(lang)")
                    #expect(page.contains(t("web.start_title", lang)), "\(header)")
                    #expect(page.contains(t("web.field_username", lang)))
                    // The language menu: every language in its own name, the current one marked.
                    for code in ["en", "cs", "nb"] {
                        #expect(page.contains("href=\"/lang/\(code)?next=/recover%3Ftenant%3Ddemo\" lang=\"\(code)\" hreflang=\"\(code)\"\(code == lang ? " aria-current=\"true\"" : "")>\(t("web.language_name", code))</a>"))
                    }
                }
            }
        }
    }

    @Test("The language menu sets a cookie that wins over Accept-Language on every page; no open redirect")
    func languageMenuAndCookie() async throws {
        try await Fixture.with { fx in
            try await fx.seedRecovery()
            try await fx.app().test(.router) { client in
                var b = Browser(client, acceptLanguage: "en")
                let set = try await b.get("/lang/cs?next=/recover%3Ftenant%3Ddemo")
                #expect(set.status == .seeOther)
                #expect(set.headers[.location] == "/recover?tenant=demo")
                let cookie = try #require(b.lastSetCookies.first { $0.hasPrefix("lifeline_lang=cs") })
                #expect(cookie.contains("HttpOnly") && cookie.contains("Path=/") && cookie.contains("Secure") && cookie.contains("SameSite=Lax"))
                var page = try await b.get("/recover?tenant=demo")
                #expect(html(page).contains("<html lang=\"cs\">") && html(page).contains(t("web.start_title", "cs")))
                // The choice is kept into the flow: the flow pages and the prompts of the core are Czech too.
                page = try await b.submit(page, action: "/recover", ["username": "alice"])
                page = try await b.get("/recover/flow")
                #expect(html(page).contains("<html lang=\"cs\">"))
                #expect(html(page).contains(t("prompt.choose_flow", "cs")))
                #expect(html(page).contains("SMS a ověřovací aplikace"))
                // Switching to Norwegian in the middle of the flow.
                let nb = try await b.get("/lang/nb?next=/recover/flow")
                #expect(nb.headers[.location] == "/recover/flow")
                page = try await b.get("/recover/flow")
                #expect(html(page).contains("<html lang=\"nb\">") && html(page).contains(t("prompt.choose_flow", "nb")))
                #expect(html(page).contains("SMS og autentiseringsapp"))
                // An unknown language sets nothing; a foreign or odd `next` goes to the start page.
                _ = try await b.get("/lang/xx?next=/recover/flow")
                #expect(b.lastSetCookies.isEmpty && b.cookies["lifeline_lang"] == "nb")
                for next in ["https://evil.example/", "//evil.example/recover", "/recover//evil", "/api/v1/admin", "/recover%0d%0aX:1",
                             // Only normalized paths: no dot segments, plain or percent-encoded, no backslash.
                             "/recover/../../x", "/recover/..", "/recover/./flow", "/recover/%2e%2e/api", "/recover/%2E%2E%2Fx",
                             "/recover\\..\\x", "/recover/flow/.%2e/x", "/recoverx/../admin"] {
                    let r = try await b.get("/lang/en?next=\(formEscape(next))")
                    #expect(r.headers[.location] == "/recover", "next=\(next)")
                }
            }
        }
    }

    @Test("Security headers, cookie attributes and static assets")
    func headersCookiesAssets() async throws {
        try await Fixture.with { fx in
            try await fx.seedRecovery()
            try await fx.app().test(.router) { client in
                var b = Browser(client)
                let start = try await b.get("/recover?tenant=demo")
                #expect(start.headers[.contentSecurityPolicy] == expectedCSP)
                #expect(start.headers[.init("Referrer-Policy")!] == "no-referrer")
                #expect(start.headers[.init("X-Frame-Options")!] == "DENY")
                #expect(start.headers[.init("X-Content-Type-Options")!] == "nosniff")
                #expect(start.headers[.cacheControl] == "no-store")
                let csrf = try #require(b.lastSetCookies.first { $0.hasPrefix("__Host-lifeline_csrf=") })
                for attr in ["HttpOnly", "Secure", "SameSite=Strict", "Path=/"] { #expect(csrf.contains(attr), "csrf cookie lacks \(attr)") }
                #expect(!csrf.contains("Domain"))
                // No inline script or style anywhere (the CSP would block them).
                let page = html(start)
                #expect(!page.contains("<script>") && !page.contains("style=") && !page.contains("onclick"))
                #expect(page.contains("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"))
                #expect(page.contains("<a class=\"skip-link\" href=\"#main\">"))
                // The same token is reused while the cookie lives.
                _ = try await b.get("/recover")
                #expect(b.lastSetCookies.isEmpty)

                let created = try await b.submit(start, action: "/recover", ["username": "alice"])
                #expect(created.status == .seeOther)
                #expect(created.headers[.location] == "/recover/flow")
                let flowCookie = try #require(b.lastSetCookies.first { $0.hasPrefix("__Host-lifeline_flow=") })
                for attr in ["HttpOnly", "Secure", "SameSite=Strict", "Path=/"] { #expect(flowCookie.contains(attr), "flow cookie lacks \(attr)") }
                #expect(!flowCookie.contains("Max-Age") && !flowCookie.contains("Expires"), "a session cookie")
                let flowID = try #require(b.cookies["__Host-lifeline_flow"])
                #expect(UUID(uuidString: flowID) != nil)
                let flowPage = try await b.get("/recover/flow")
                #expect(!html(flowPage).contains(flowID), "the flow id never appears in a page or URL")
                #expect(flowPage.headers[.contentSecurityPolicy] == expectedCSP)

                // Static assets: right types, long caching under a content-versioned URL.
                let css = try #require(page.firstMatch(of: /href="(\/static\/app\.css\?v=[0-9a-f]+)"/)).1
                let js = try #require(page.firstMatch(of: /src="(\/static\/app\.js\?v=[0-9a-f]+)" defer/)).1
                let cssResponse = try await b.get(String(css))
                #expect(cssResponse.status == .ok)
                #expect(cssResponse.headers[.contentType] == "text/css; charset=utf-8")
                #expect(cssResponse.headers[.cacheControl] == "public, max-age=31536000, immutable")
                #expect(html(cssResponse).contains(":focus-visible"))
                let jsResponse = try await b.get(String(js))
                #expect(jsResponse.headers[.contentType] == "text/javascript; charset=utf-8")
                #expect(html(jsResponse).contains("data-resend-seconds"))
                #expect(try await b.get("/static/nope.js").status == .notFound)
                #expect(try await b.get("/static/..%2FTemplates%2Flayout.mustache").status == .notFound)
            }
        }
    }

    @Test("Plain-http development: no Secure attribute and no __Host- prefix; the rate limit is a translated 429 page")
    func insecureCookiesAndRateLimit() async throws {
        try await Fixture.with { fx in
            try await fx.seedRecovery()
            let deps = HTTPDependencies(admin: fx.runtime.admin, validation: fx.runtime.validation, storage: fx.runtime.store, metrics: HTTPMetrics(),
                                        recovery: fx.runtime.recovery, recoveryRequestsPerMinute: 3, secureCookies: false, clock: fx.clock)
            let app = Application(router: buildRouter(deps), logger: fx.logger)
            try await app.test(.router) { client in
                var b = Browser(client, acceptLanguage: "cs")
                _ = try await b.get("/recover?tenant=demo")
                let csrf = try #require(b.lastSetCookies.first { $0.hasPrefix("lifeline_csrf=") })
                #expect(!csrf.contains("Secure") && csrf.contains("HttpOnly") && csrf.contains("SameSite=Strict"))
                _ = try await b.get("/recover")
                _ = try await b.get("/recover")
                let limited = try await b.get("/recover")
                #expect(limited.status == .tooManyRequests)
                #expect(Int(limited.headers[.retryAfter] ?? "") ?? 0 > 0)
                #expect(limited.headers[.contentType] == "text/html; charset=utf-8")
                #expect(html(limited).contains(t("web.rate_title", "cs")))
                #expect(html(limited).contains("<html lang=\"cs\">"))
                // Static assets are not counted against the page budget.
                #expect(try await b.get("/static/app.css").status == .ok)
            }
        }
    }

    @Test("A post without the right CSRF token is refused with a 403 page and changes nothing")
    func csrfRefusal() async throws {
        try await Fixture.with { fx in
            try await fx.seedRecovery()
            try await fx.app().test(.router) { client in
                var b = Browser(client)
                let start = try await b.get("/recover?tenant=demo")
                let token = try #require(try b.hiddenFields(start, action: "/recover")["csrf_token"])
                for form in [["tenant": "demo", "username": "alice"],
                             ["tenant": "demo", "username": "alice", "csrf_token": "x"],
                             ["tenant": "demo", "username": "alice", "csrf_token": String(token.reversed())]] {
                    let r = try await b.post("/recover", form)
                    #expect(r.status == .forbidden)
                    #expect(html(r).contains(t("web.csrf_title")))
                    #expect(!b.lastSetCookies.contains { $0.contains("lifeline_flow") })
                }
                // The right token in the form but no cookie (another site's form in a cookie-less request).
                var other = Browser(client)
                #expect(try await other.post("/recover", ["tenant": "demo", "username": "alice", "csrf_token": token]).status == .forbidden)
                // The right token from a page the browser reports as cross-site.
                let cross = try await b.post("/recover", ["tenant": "demo", "username": "alice", "csrf_token": token], headers: [.init("Sec-Fetch-Site")!: "cross-site"])
                #expect(cross.status == .forbidden)
                var events = try await fx.runtime.store.recentEvents(tenant: "demo", limit: 100)
                #expect(!events.contains { $0.record.event == "recovery.start" }, "no flow was started")

                // Inside a flow: a step posted without the token changes nothing.
                _ = try await b.submit(start, action: "/recover", ["username": "alice"])
                var page = try await b.get("/recover/flow")
                let hidden = try b.hiddenFields(page, action: "/recover/flow")
                #expect(try await b.post("/recover/flow", ["flow": "sms-totp", "state": "choose_flow"]).status == .forbidden)
                #expect(try await b.post("/recover/flow/resend", ["state": hidden["state"] ?? ""]).status == .forbidden)
                #expect(try await b.post("/recover/action/selfservice", [:]).status == .forbidden)
                #expect(try await b.post("/recover/restart", [:]).status == .forbidden)
                page = try await b.get("/recover/flow")
                #expect(html(page).contains(t("prompt.choose_flow")), "still at the first step")
                #expect(b.cookies["__Host-lifeline_flow"] != nil, "restart without a token kept the flow")
                events = try await fx.runtime.store.recentEvents(tenant: "demo", limit: 100)
                #expect(events.filter { $0.record.event.hasPrefix("recovery.") && $0.record.event != "recovery.configure" }.map(\.record.event) == ["recovery.start"])
            }
        }
    }

    @Test("The SMS and authenticator flow through the pages: wrong number, wrong code, resend, missing field, stale tab, actions")
    func smsAndTOTPThroughThePages() async throws {
        try await Fixture.with { fx in
            try await fx.seedRecovery()
            // The web layer's countdown uses the system time: keep the test clock near it.
            fx.clock.set(Date())
            try await fx.app().test(.router) { client in
                var b = Browser(client)
                var page = try await b.get("/recover?tenant=demo")
                #expect(html(page).contains("<input type=\"hidden\" name=\"tenant\" value=\"demo\">"))
                #expect(html(page).contains("autocomplete=\"username\""))
                page = try await b.submit(page, action: "/recover", ["username": "alice"])
                page = try await b.get("/recover/flow")
                var text = html(page)
                #expect(text.contains("<title>\(t("web.title_choose_flow")) · \(t("web.app_name"))</title>"))
                #expect(text.contains("<legend>\(t("field.flow"))</legend>"))
                #expect(text.contains("<input type=\"radio\" name=\"flow\" id=\"f-flow-0\" value=\"sms-totp\" required autofocus>"))
                #expect(text.contains("<label for=\"f-flow-0\">Text message and authenticator app</label>"))
                #expect(text.contains(t("web.flow_for", "en", ["username": "alice"])))

                page = try await b.submit(page, action: "/recover/flow", ["flow": "sms-totp"])
                #expect(page.status == .seeOther && page.headers[.location] == "/recover/flow")
                page = try await b.get("/recover/flow")
                text = html(page)
                #expect(text.contains(t("web.step", "en", ["index": "1", "count": "2"])))
                #expect(text.contains("+420 *** *** 789"))
                #expect(text.contains("<input type=\"tel\" name=\"number\" id=\"f-number\" autocomplete=\"tel\""))

                // A wrong number: the error is shown in an alert region and every control points at it.
                page = try await b.submit(page, action: "/recover/flow", ["contact": "0", "number": "+420777123788"])
                page = try await b.get("/recover/flow")
                text = html(page)
                #expect(text.contains("role=\"alert\" id=\"errors\""))
                #expect(text.contains(t("error.number_mismatch")))
                #expect(text.contains("aria-describedby=\"errors\""))

                page = try await b.submit(page, action: "/recover/flow", ["contact": "0", "number": "777 123 789"])
                page = try await b.get("/recover/flow")
                text = html(page)
                #expect(text.contains(t("web.title_enter_code")))
                #expect(text.contains("role=\"status\""))
                #expect(text.contains("inputmode=\"numeric\"") && text.contains("autocomplete=\"one-time-code\""))
                // "Send again" is rendered disabled with the seconds left and a text that works without script.
                let seconds = try #require(text.firstMatch(of: /data-resend-seconds="(\d+)"/)).1
                // The pages use the core's clock: with the test clock standing still, exactly the full delay is left.
                #expect(seconds == "60")
                #expect(text.contains(" disabled>\(t("web.resend"))</button>"))
                #expect(text.contains(t("web.resend_wait#other", "en", ["seconds": String(seconds)])))
                let code = try await fx.sentCode(to: "+420777123789")

                page = try await b.submit(page, action: "/recover/flow", ["code": code == "000000" ? "111111" : "000000"])
                page = try await b.get("/recover/flow")
                #expect(html(page).contains(t("error.code_wrong")))

                // Send again after the delay: a second message.
                fx.clock.advance(seconds: 61)
                page = try await b.get("/recover/flow")
                let resent = try await b.submit(page, action: "/recover/flow/resend", [:])
                #expect(resent.status == .seeOther)
                let sent = try await fx.runtime.store.recentMessages(limit: 50).filter { $0.recipient == "+420777123789" }
                #expect(sent.count == 2)
                let newCode = try await fx.sentCode(to: "+420777123789")
                page = try await b.get("/recover/flow")
                let codePage = page
                page = try await b.submit(page, action: "/recover/flow", ["code": newCode])
                page = try await b.get("/recover/flow")
                text = html(page)
                #expect(text.contains(t("prompt.totp")))
                #expect(text.contains(t("web.step", "en", ["index": "2", "count": "2"])))

                // A stale tab re-posting the code page is refused (409) and shows the current step.
                let stale = try await b.submit(codePage, action: "/recover/flow", ["code": newCode])
                #expect(stale.status == .conflict)
                #expect(html(stale).contains(t("web.error_conflict")) && html(stale).contains(t("prompt.totp")))
                // A missing field: 400, the same step with the message naming the field.
                let missing = try await b.submit(page, action: "/recover/flow", [:])
                #expect(missing.status == .badRequest)
                #expect(html(missing).contains(t("web.error_missing", "en", ["field": t("field.totp_code")])) && html(missing).contains(t("prompt.totp")))

                page = try await b.submit(page, action: "/recover/flow", ["code": fx.totp()])
                page = try await b.get("/recover/flow")
                text = html(page)
                #expect(text.contains(t("prompt.verified")))
                // Actions that take input open their page (a link); the others post at once.
                #expect(text.contains("href=\"/recover/action/reset-password\""))
                #expect(text.contains(t("action.reset-password")))
                // Alice has no smart card: card unblock is a disabled button with the reason.
                #expect(text.contains("data-action=\"card-unblock\" disabled aria-describedby=\"action-card-unblock-note\""))
                #expect(text.contains(t("action.no_card")))
                for action in ["unlock-account", "emergency-code", "selfservice"] {
                    #expect(text.contains("action=\"/recover/action/\(action)\""))
                    #expect(text.contains(t("action.\(action)")))
                }
                // Unlock is offered only for a locked account: alice's is not, so it is disabled with the reason.
                #expect(text.contains("data-action=\"unlock-account\" disabled aria-describedby=\"action-unlock-account-note\""))
                #expect(text.contains(t("action.not_locked")))
                // The actions page lets forms follow the self-service redirect, and only there.
                #expect(page.headers[.contentSecurityPolicy] == expectedCSP.replacingOccurrences(of: "form-action 'self'", with: "form-action 'self' https://example.com"))

                // Posting it anyway: refused with the reason, on the actions page; the flow stays usable.
                let refused = try await b.submit(page, action: "/recover/action/unlock-account", [:])
                #expect(refused.status == .conflict)
                #expect(html(refused).contains(t("action.not_locked")) && html(refused).contains(t("prompt.verified")))
                let selfservice = try await b.submit(page, action: "/recover/action/selfservice", [:])
                #expect(selfservice.status == .seeOther)
                #expect(selfservice.headers[.location] == "https://example.com/selfservice")
                page = try await b.get("/recover/flow")
                #expect(html(page).contains("data-action=\"selfservice\" disabled aria-describedby=\"action-selfservice-note\""))
                #expect(html(page).contains(t("action.used")))
                // Used once only.
                #expect(try await b.submit(page, action: "/recover/action/selfservice", [:]).status == .conflict)

                // "Start again" forgets the flow and returns to the organization's start page.
                let restart = try await b.submit(page, action: "/recover/restart", [:])
                #expect(restart.headers[.location] == "/recover?tenant=demo")
                #expect(b.cookies["__Host-lifeline_flow"] == nil)
                let gone = try await b.get("/recover/flow")
                #expect(gone.status == .notFound && html(gone).contains(t("web.missing_title")))
            }
        }
    }

    @Test("Email and questions through the pages, in Norwegian")
    func emailAndQuestions() async throws {
        try await Fixture.with { fx in
            try await fx.seedRecovery()
            try await fx.app().test(.router) { client in
                var b = Browser(client, acceptLanguage: "nb-NO,nb;q=0.9")
                var page = try await b.get("/recover?tenant=demo")
                page = try await b.submit(page, action: "/recover", ["username": "alice"])
                page = try await b.get("/recover/flow")
                page = try await b.submit(page, action: "/recover/flow", ["flow": "email-questions"])
                page = try await b.get("/recover/flow")
                #expect(html(page).contains(t("prompt.choose_address", "nb")))
                #expect(html(page).contains("type=\"email\" name=\"address\""))
                page = try await b.submit(page, action: "/recover/flow", ["contact": "0", "address": "alice@demo.example"])
                let code = try await fx.sentCode(to: "alice@demo.example")
                #expect(code.count == 8)
                page = try await b.get("/recover/flow")
                page = try await b.submit(page, action: "/recover/flow", ["code": code])
                page = try await b.get("/recover/flow")
                let text = html(page)
                #expect(text.contains(t("prompt.questions", "nb")))
                let answers = ["pet": "Rex", "city": "Brno", "teacher": "Novak", "school": "Masaryk", "street": "Husova"]
                let asked = text.matches(of: /name="answer\.([a-z]+)"/).map { String($0.1) }
                #expect(asked.count == 2)
                #expect(text.contains("autocomplete=\"off\""))
                var form: [String: String] = [:]
                for id in asked { form["answer.\(id)"] = answers[id] }
                page = try await b.submit(page, action: "/recover/flow", form)
                page = try await b.get("/recover/flow")
                #expect(html(page).contains(t("prompt.verified", "nb")))
                #expect(html(page).contains(t("action.unlock-account", "nb")))
            }
        }
    }

    @Test("Known and unknown usernames get the same pages, apart from the typed name and masked contacts")
    func unknownUserLooksTheSame() async throws {
        try await Fixture.with { fx in
            try await fx.seedRecovery()
            try await fx.app().test(.router) { client in
                var b = Browser(client)
                let start = try await b.get("/recover?tenant=demo")
                var pages: [[String]] = []
                for username in ["alice", "nobody"] {
                    _ = try await b.submit(start, action: "/recover", ["username": username])
                    let first = try await b.get("/recover/flow")
                    _ = try await b.submit(first, action: "/recover/flow", ["flow": "sms-totp"])
                    let second = try await b.get("/recover/flow")
                    // A single number offered is preselected (issue 15); decoys offer a plausible, random number of
                    // contacts, so the preselection follows the count shown — for real and decoy users alike.
                    let contacts = html(second).matches(of: /name="contact"/).count
                    #expect(html(second).contains(" checked") == (contacts == 1), "\(username): \(contacts) contacts")
                    pages.append([first, second].map { r in
                        html(r).replacingOccurrences(of: username, with: "USER")
                            .replacingOccurrences(of: "id=\"f-contact-0\" value=\"0\" required checked", with: "id=\"f-contact-0\" value=\"0\" required")
                            .replacing(/<label for="f-contact-\d+">[^<]*<\/label>/, with: "<label>MASKED</label>")
                            .replacing(/<div class="choice">\s*<input type="radio" name="contact" id="f-contact-[1-9][\s\S]*?<\/div>/, with: "")
                            .replacing(/\n\s*\n/, with: "\n")
                    })
                    #expect([first, second].allSatisfy { $0.status == .ok })
                }
                #expect(pages[0] == pages[1])
            }
        }
    }

    @Test("Error pages: no flow, expired flow, unknown organization, missing fields")
    func errorPages() async throws {
        try await Fixture.with { fx in
            try await fx.seedRecovery()
            try await fx.app().test(.router) { client in
                var b = Browser(client, acceptLanguage: "cs")
                let none = try await b.get("/recover/flow")
                #expect(none.status == .notFound)
                #expect(none.headers[.contentType] == "text/html; charset=utf-8")
                #expect(html(none).contains(t("web.missing_title", "cs")) && html(none).contains("href=\"/recover\""))
                // A cookie that is no flow id is no flow.
                b.cookies["__Host-lifeline_flow"] = "not-a-uuid"
                #expect(try await b.get("/recover/flow").status == .notFound)
                b.cookies["__Host-lifeline_flow"] = UUID().uuidString
                #expect(try await b.get("/recover/flow").status == .notFound)
                #expect(b.cookies["__Host-lifeline_flow"] == nil, "the stale cookie is cleared")

                let start = try await b.get("/recover")
                #expect(html(start).contains("id=\"f-tenant\" name=\"tenant\""), "the organization is asked for when not given")
                let unknown = try await b.submit(start, action: "/recover", ["tenant": "nope", "username": "alice"])
                #expect(unknown.status == .notFound)
                #expect(html(unknown).contains(t("web.error_tenant_unknown", "cs")) && html(unknown).contains("role=\"alert\""))
                #expect(html(unknown).contains("id=\"f-tenant\" name=\"tenant\" value=\"nope\""), "the typed organization is kept to correct it")
                let missing = try await b.submit(start, action: "/recover", ["tenant": "demo"])
                #expect(missing.status == .badRequest && html(missing).contains(t("web.error_required", "cs")))
                let bad = try await b.submit(start, action: "/recover", ["tenant": "demo", "username": String(repeating: "x", count: 300)])
                #expect(bad.status == .badRequest && html(bad).contains(t("web.error_username_invalid", "cs")))

                _ = try await b.submit(start, action: "/recover", ["tenant": "demo", "username": "alice"])
                #expect(try await b.get("/recover/flow").status == .ok)
                fx.clock.advance(seconds: 901)
                let expired = try await b.get("/recover/flow")
                #expect(expired.status == .gone)
                #expect(html(expired).contains(t("web.expired_title", "cs")))
                #expect(b.cookies["__Host-lifeline_flow"] == nil)
            }
        }
    }

    @Test("An authenticator that drifted: the resync page takes two consecutive codes")
    func totpResync() async throws {
        try await Fixture.with { fx in
            try await fx.seedRecovery()
            try await fx.app().test(.router) { client in
                var b = Browser(client)
                var page = try await b.get("/recover?tenant=demo")
                page = try await b.submit(page, action: "/recover", ["username": "alice"])
                page = try await b.get("/recover/flow")
                page = try await b.submit(page, action: "/recover/flow", ["flow": "sms-totp"])
                page = try await b.get("/recover/flow")
                page = try await b.submit(page, action: "/recover/flow", ["contact": "0", "number": "+420777123789"])
                page = try await b.get("/recover/flow")
                page = try await b.submit(page, action: "/recover/flow", ["code": try await fx.sentCode(to: "+420777123789")])
                page = try await b.get("/recover/flow")
                // A code from an authenticator running 5 steps ahead is outside the window but inside the sync range.
                page = try await b.submit(page, action: "/recover/flow", ["code": fx.totp(5)])
                page = try await b.get("/recover/flow")
                let text = html(page)
                #expect(text.contains(t("prompt.totp_resync")))
                #expect(text.contains(t("field.totp_code_first")) && text.contains(t("field.totp_code_next")))
                page = try await b.submit(page, action: "/recover/flow", ["code": fx.totp(6), "code_next": fx.totp(7)])
                page = try await b.get("/recover/flow")
                #expect(html(page).contains(t("prompt.verified")))
            }
        }
    }
}
