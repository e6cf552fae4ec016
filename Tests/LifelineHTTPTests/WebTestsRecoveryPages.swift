import Foundation
import HTTPTypes
import HummingbirdTesting
import LifelineApp
import LifelineCore
import LifelineHTTP
import Testing

/// Issue 15, "Recovery pages": what operators and newcomers found on the pages, each checked here.
@Suite("Web pages: issue 15 fixes")
struct WebTestsRecoveryPages {
    /// The input line of the page that has `id="<id>"`.
    func line(_ page: TestResponse, id: String, sourceLocation: SourceLocation = #_sourceLocation) throws -> String {
        String(try #require(html(page).split(separator: "\n").first { $0.contains("id=\"\(id)\"") }, "no element \(id)", sourceLocation: sourceLocation))
    }

    /// alice's flow up to the contact step of sms-totp; returns that page.
    func toContactStep(_ b: inout Browser) async throws -> TestResponse {
        var page = try await b.get("/recover?tenant=demo")
        page = try await b.submit(page, action: "/recover", ["username": "alice"])
        page = try await b.get("/recover/flow")
        page = try await b.submit(page, action: "/recover/flow", ["flow": "sms-totp"])
        return try await b.get("/recover/flow")
    }

    /// Sets the demo tenant's time zone through the configuration's own decoding (the YAML/JSON key `time_zone`).
    func setTimeZone(_ fx: Fixture, _ name: String) async throws {
        let config = try await fx.runtime.admin.recoveryConfig(tenantName: "demo", caller: fx.caller)
        var json = try #require(try JSONSerialization.jsonObject(with: try JSONEncoder().encode(config)) as? [String: Any])
        json["time_zone"] = name
        let changed = try JSONDecoder().decode(RecoveryConfig.self, from: try JSONSerialization.data(withJSONObject: json))
        _ = try await fx.runtime.admin.applyRecoveryConfig(tenantName: "demo", changed, caller: fx.caller)
    }

    @Test("A single offered number is preselected; a choice among several is not")
    func singleOptionPreselected() async throws {
        try await Fixture.with { fx in
            try await fx.seedRecovery()
            try await fx.app().test(.router) { client in
                var b = Browser(client)
                let page = try await toContactStep(&b)
                #expect(try line(page, id: "f-contact-0").contains(" checked"), "the only number is not preselected")
                var other = Browser(client)
                var start = try await other.get("/recover?tenant=demo")
                start = try await other.submit(start, action: "/recover", ["username": "alice"])
                let choose = try await other.get("/recover/flow")
                #expect(!html(choose).contains(" checked"), "a choice among several flows must not be made for the user")
            }
        }
    }

    @Test("A wrong number keeps the choice and the typed number; the number is marked invalid and focused")
    func wrongNumberKeepsInput() async throws {
        try await Fixture.with { fx in
            try await fx.seedRecovery()
            try await fx.app().test(.router) { client in
                var b = Browser(client)
                var page = try await toContactStep(&b)
                page = try await b.submit(page, action: "/recover/flow", ["contact": "0", "number": "+420777123788"])
                if page.status == .seeOther { page = try await b.get("/recover/flow") }
                #expect(html(page).contains(t("error.number_mismatch")))
                let number = try line(page, id: "f-number")
                #expect(number.contains("value=\"+420777123788\""), "the typed number is lost: \(number)")
                #expect(number.contains("autofocus") && number.contains("aria-invalid=\"true\"") && number.contains("aria-describedby=\"errors\""),
                        "the number field is not focused and marked: \(number)")
                let choice = try line(page, id: "f-contact-0")
                #expect(choice.contains(" checked"), "the choice is lost: \(choice)")
                #expect(!choice.contains("autofocus"), "the focus is on the choice, not on the number: \(choice)")
            }
        }
    }

    @Test("Submitting without choosing a method names what is missing")
    func missingChoiceIsNamed() async throws {
        try await Fixture.with { fx in
            try await fx.seedRecovery()
            try await fx.app().test(.router) { client in
                for lang in ["en", "cs", "nb"] {
                    var b = Browser(client, acceptLanguage: lang)
                    var page = try await b.get("/recover?tenant=demo")
                    page = try await b.submit(page, action: "/recover", ["username": "alice"])
                    page = try await b.get("/recover/flow")
                    let missing = try await b.submit(page, action: "/recover/flow", [:])
                    #expect(missing.status == .badRequest)
                    let want = t("web.error_choose", lang, ["field": t("field.flow", lang)])
                    #expect(html(missing).contains(want), "\(lang): \(html(missing).firstMatch(of: /role="alert" id="errors">\s*<p>([^<]*)/)?.1 ?? "no error")")
                    #expect(!html(missing).contains(t("web.error_required", lang)))
                    #expect(try line(missing, id: "f-flow-0").contains("aria-invalid=\"true\""))
                }
            }
        }
    }

    @Test("Counts take the catalog's plural forms (1 second, 2 sekundy, 5 sekund)")
    func pluralsFromTheCatalog() async throws {
        // Each language has exactly its CLDR categories for the countdown.
        for (lang, forms) in [("en", ["one", "other"]), ("nb", ["one", "other"]), ("cs", ["one", "few", "many", "other"])] {
            for form in forms { #expect(webCatalog.has("web.resend_wait#\(form)", in: lang), "\(lang) lacks web.resend_wait#\(form)") }
        }
        try await Fixture.with { fx in
            try await fx.seedRecovery()
            fx.clock.set(Date())
            try await fx.app().test(.router) { client in
                var b = Browser(client)
                var page = try await toContactStep(&b)
                page = try await b.submit(page, action: "/recover/flow", ["contact": "0", "number": "+420777123789"])
                fx.clock.advance(seconds: 59)
                for (lang, form) in [("en", "one"), ("nb", "one"), ("cs", "one")] {
                    b.acceptLanguage = lang
                    let text = html(try await b.get("/recover/flow"))
                    #expect(text.contains(t("web.resend_wait#\(form)", lang, ["seconds": "1"])), "\(lang): \(text.firstMatch(of: /id="resend-status">([^<]*)/)?.1 ?? "")")
                }
                fx.clock.advance(seconds: -2)
                b.acceptLanguage = "cs"
                let few = html(try await b.get("/recover/flow"))
                #expect(few.contains(t("web.resend_wait#few", "cs", ["seconds": "3"])))
                // The countdown script gets every form of the language.
                #expect(few.contains("data-wait-few=\"\(t("web.resend_wait#few", "cs"))\""))
            }
        }
    }

    @Test("The actions page's prompt does not repeat its heading, in any language")
    func promptDoesNotRepeatHeading() {
        for lang in ["en", "cs", "nb"] {
            let title = webCatalog.text("web.title_verified", lang), prompt = webCatalog.text("prompt.verified", lang)
            #expect(!prompt.contains(title) && !prompt.hasPrefix(String(title.prefix(12))), "\(lang): \(title) / \(prompt)")
        }
    }

    @Test("A card tool's /unblock link says on the start page that a card unblock is waiting")
    func unblockLinkIsAnnounced() async throws {
        try await Fixture.with { fx in
            try await fx.seedRecovery()
            try await fx.app().test(.router) { client in
                var b = Browser(client)
                let link = try await b.get("/unblock?tenant=demo&serial=ALICE-0001&challenge=0011-2233-4455-6677")
                #expect(link.status == .seeOther)
                let start = try await b.get(try #require(link.headers[.location]))
                #expect(html(start).contains(t("web.unblock_waiting", "en", ["serial": "ALICE-0001"])), "the start page does not say a card unblock is waiting")
                var plain = Browser(client)
                #expect(!html(try await plain.get("/recover?tenant=demo")).contains("ALICE-0001"))
            }
        }
    }

    @Test("time_zone: an IANA name, validated; notices show times in it and in the user's language, never as ISO timestamps")
    func timeZoneAndNotices() async throws {
        try await Fixture.with { fx in
            try await fx.seedRecovery()
            #expect(try await fx.runtime.admin.recoveryConfig(tenantName: "demo", caller: fx.caller) == (try JSONDecoder().decode(RecoveryConfig.self, from: try JSONEncoder().encode(
                try await fx.runtime.admin.recoveryConfig(tenantName: "demo", caller: fx.caller)))))
            await #expect(throws: (any Error).self) { try await setTimeZone(fx, "Mars/Olympus_Mons") }
            await #expect(throws: (any Error).self) { try await setTimeZone(fx, "CET") }
            try await setTimeZone(fx, "Europe/Prague")
            try await fx.app().test(.router) { client in
                var b = Browser(client, acceptLanguage: "cs")
                _ = try await WebActionTests().verify(&b, fx)
                let page = try await b.submit(try await b.get("/recover/flow"), action: "/recover/action/emergency-code", [:])
                #expect(page.status == .ok)
                let zone = try #require(TimeZone(identifier: "Europe/Prague")?.abbreviation(for: fx.clock.now()))
                let validUntil = try #require(html(page).split(separator: "\n").first { $0.contains("class=\"hint\"") && $0.contains(zone) },
                                              "no time in the organization's zone (\(zone)) on the result page")
                #expect(!validUntil.contains("UTC"))
            }
            var bodies: [String] = []
            for m in try await fx.runtime.store.recentMessages(limit: 50) where m.recipient.contains("alice") || m.recipient.hasPrefix("+420") {
                bodies.append(m.subject + "\n" + String(decoding: try await fx.runtime.vault.open(try #require(m.body), context: m.sealContext), as: UTF8.self))
            }
            let notices = bodies.filter { !$0.contains("{code}") && $0.contains("(") }
            #expect(notices.count >= 2, "the verified and action notices: \(bodies.count) messages")
            for text in notices {
                #expect(text.firstMatch(of: /\d{4}-\d{2}-\d{2}T\d{2}:\d{2}/) == nil, "an ISO timestamp in a notice: \(text)")
            }
        }
    }

    @Test("A browser gets an HTML 404 page in its language with the security headers; API clients keep JSON")
    func htmlNotFoundForBrowsers() async throws {
        try await Fixture.with { fx in
            try await fx.app().test(.router) { client in
                let accept: HTTPFields = [.accept: "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8", .acceptLanguage: "nb"]
                let page = try await client.executeRequest(uri: "/no/such/page", method: .get, headers: accept, body: nil)
                #expect(page.status == .notFound)
                #expect(page.headers[.contentType] == "text/html; charset=utf-8", "got \(page.headers[.contentType] ?? "")")
                #expect(String(buffer: page.body).contains(t("web.notfound_title", "nb")))
                #expect(page.headers[.contentSecurityPolicy] == expectedCSP)
                #expect(page.headers[.init("X-Frame-Options")!] == "DENY" && page.headers[.cacheControl] == "no-store")
                // The API's clients, and browsers under /api, keep the JSON answer.
                let json: HTTPFields = [.accept: "application/json"]
                let cases: [(String, HTTPFields)] = [("/no/such/page", json), ("/no/such/page", [:]), ("/api/v1/nothing", accept)]
                for (uri, headers) in cases {
                    let r = try await client.executeRequest(uri: uri, method: .get, headers: headers, body: nil)
                    #expect(r.status == .notFound && r.headers[.contentType]?.hasPrefix("application/json") == true, "\(uri) \(headers)")
                }
            }
        }
    }
}
