import Foundation
import HummingbirdTesting
import LifelineApp
import LifelineCore
import Testing

/// Saved recovery codes in flows (issue 14 item 9): the `recovery_code` verification method and the
/// `new-recovery-codes` recovery action, through the JSON API and the web pages.
@Suite("Recovery codes in flows")
struct RecoveryCodeFlowTests {
    /// The demo tenant and alice (``Fixture/seedRecovery()``), plus a `recovery_code` method and two flows with it:
    /// "sms-codes" (SMS, then a code; it may issue new codes) and "codes-sms" (a code first, so a decoy flow can be
    /// compared on the code step). At most 3 wrong submissions per step. Returns alice's codes.
    static func seed(_ fx: Fixture) async throws -> [String] {
        try await fx.seedRecovery()
        let demo = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Sources/LifelineApp/Resources/demo-tenant.yaml")
        var yaml = try String(contentsOf: demo, encoding: .utf8)
        yaml = yaml.replacingOccurrences(of: "    - id: authenticator\n      type: totp\n",
                                         with: "    - id: authenticator\n      type: totp\n    - id: codes\n      type: recovery_code\n")
        yaml = yaml.replacingOccurrences(of: "  flows:\n", with: """
          flows:
            - id: sms-codes
              names: { en: "Text message and a recovery code" }
              steps: [sms, codes]
              actions: [new-recovery-codes, selfservice]
            - id: codes-sms
              names: { en: "A recovery code and a text message" }
              steps: [codes, sms]
              actions: [selfservice]

        """)
        yaml = yaml.replacingOccurrences(of: "wrong_per_step: 5", with: "wrong_per_step: 3")
        _ = try await TenantFile.parse(yaml).apply(admin: fx.runtime.admin, caller: fx.caller)
        return try await fx.runtime.admin.issueRecoveryCodes(tenantName: "demo", username: "alice", caller: fx.caller).1
    }

    /// alice's flow "sms-codes" taken through the SMS step; returns the document of the code step.
    static func codeStep(_ client: some TestClientProtocol, _ fx: Fixture, sourceLocation: SourceLocation = #_sourceLocation) async throws -> [String: Any] {
        var flow = try await client.startFlow("alice", sourceLocation: sourceLocation)
        flow = try await client.step(flow, ["flow": "sms-codes"], sourceLocation: sourceLocation)
        flow = try await client.step(flow, ["contact": "0", "number": "+420777123789"], sourceLocation: sourceLocation)
        flow = try await client.step(flow, ["code": try await fx.sentCode(to: "+420777123789", sourceLocation: sourceLocation)], sourceLocation: sourceLocation)
        #expect(state(flow) == "enter_recovery_code", sourceLocation: sourceLocation)
        return flow
    }

    static func events(_ fx: Fixture) async throws -> [AuditRecord] {
        try await fx.runtime.store.recentEvents(tenant: "demo", limit: 500).reversed().map(\.record)
    }

    @Test("sms + recovery_code: a code as printed passes the step once; the same code then fails in a second flow and at /validate")
    func codeAcceptedOnce() async throws {
        try await Fixture.with { fx in
            let codes = try await Self.seed(fx)
            try await fx.app().test(.router) { client in
                var flow = try await Self.codeStep(client, fx)
                let field = try #require((flow["fields"] as? [[String: Any]])?.first)
                #expect(field["name"] as? String == "code" && field["autocomplete"] as? String == "off" && field["type"] as? String == "text", "\(field)")
                flow = try await client.step(flow, ["code": codes[0]])
                #expect(state(flow) == "verified", "\(flow)")
                #expect(availability(flow)["new-recovery-codes"] == true, "\(availability(flow))")

                // Without separators and in lower case, another code works too; the used one does not.
                fx.clock.advance(seconds: 30)
                var second = try await Self.codeStep(client, fx)
                second = try await client.step(second, ["code": codes[0]])
                #expect(state(second) == "enter_recovery_code" && messageIDs(second).contains("error.code_wrong"), "\(second)")
                second = try await client.step(second, ["code": codes[1].replacingOccurrences(of: "-", with: "").lowercased()])
                #expect(state(second) == "verified", "\(second)")

                #expect(try await client.validate(codes[0], tenant: "demo", key: fx.validateKey) == "reject")
                #expect(try await client.validate(codes[1], tenant: "demo", key: fx.validateKey) == "reject")
                #expect(try await client.validate(codes[2], tenant: "demo", key: fx.validateKey) == "accept")
            }
            let alice = try await fx.runtime.admin.user(tenantName: "demo", username: "alice", caller: .cli).1
            let set = try #require(try await fx.runtime.store.recoveryCodeSet(userID: alice.id))
            #expect(set.remaining == 7 && set.failCount == 0, "a flow's wrong code counts on no set: \(set)")
            let events = try await Self.events(fx)
            #expect(events.filter { $0.event == "recovery.recovery_code" && $0.outcome == "accept" }.map(\.reason)
                    == ["recovery code (9 left)", "recovery code (8 left)"], "\(events.map { "\($0.event) \($0.outcome) \($0.reason)" })")
            // A notice per use (and one for the issue) to alice's verified phone and email.
            let subjects = try await fx.runtime.store.recentMessages(limit: 50).map(\.subject)
            #expect(subjects.filter { $0.hasSuffix("a recovery code was used") }.count == 3, "\(subjects)")
        }
    }

    @Test("a wrong code counts as a wrong submission: the flow fails at wrong_per_step")
    func wrongCodesFailTheFlow() async throws {
        try await Fixture.with { fx in
            let codes = try await Self.seed(fx)
            try await fx.app().test(.router) { client in
                var flow = try await Self.codeStep(client, fx)
                let wrong = String(codes[0].prefix(3)) + "Z-ZZZZ-ZZZZ-ZZZZ"
                flow = try await client.step(flow, ["code": wrong])
                #expect(state(flow) == "enter_recovery_code" && messageIDs(flow).contains("error.code_wrong"), "\(flow)")
                flow = try await client.step(flow, ["code": "ZZZZ-ZZZZ-ZZZZ-ZZZZ"])
                #expect(state(flow) == "enter_recovery_code")
                flow = try await client.step(flow, ["code": "not a code"])
                #expect(state(flow) == "failed", "\(flow)")
                // Wrong codes in a flow count on no set (an anonymous flow must not be able to revoke a user's codes).
                let alice = try await fx.runtime.admin.user(tenantName: "demo", username: "alice", caller: .cli).1
                let set = try #require(try await fx.runtime.store.recoveryCodeSet(userID: alice.id))
                #expect(set.failCount == 0 && set.status == .active, "\(set)")
                // The failed flow consumed nothing.
                #expect(try await client.validate(codes[0], tenant: "demo", key: fx.validateKey) == "accept")
            }
            let events = try await Self.events(fx).filter { $0.event == "recovery.recovery_code" }.map { "\($0.outcome) \($0.reason)" }
            #expect(events == ["reject wrong code", "reject wrong code"], "\(events)")
        }
    }

    @Test("decoys: an unknown user, or a user without codes, gets the same code step, and a real code never passes there")
    func decoysNeverPass() async throws {
        try await Fixture.with { fx in
            let codes = try await Self.seed(fx)
            try await fx.user("bob", tenant: "demo")
            try await fx.app().test(.router) { client in
                for name in ["ghost", "bob"] {
                    var real = try await client.startFlow("alice")
                    real = try await client.step(real, ["flow": "codes-sms"])
                    #expect(state(real) == "enter_recovery_code")
                    var decoy = try await client.startFlow(name)
                    decoy = try await client.step(decoy, ["flow": "codes-sms"])
                    #expect(sameJSON(shape(decoy), shape(real)), "\(name): \(decoy) vs \(real)")
                    // alice's real code, typed into someone else's flow, is wrong there and stays unused.
                    decoy = try await client.step(decoy, ["code": codes[0]])
                    #expect(state(decoy) == "enter_recovery_code" && messageIDs(decoy) == ["error.code_wrong"], "\(name): \(decoy)")
                    real = try await client.step(real, ["code": "ZZZZ-ZZZZ-ZZZZ-ZZZZ"])
                    #expect(sameJSON(shape(decoy), shape(real)), "after a wrong code, \(name): \(decoy) vs \(real)")
                }
                #expect(try await client.validate(codes[0], tenant: "demo", key: fx.validateKey) == "accept")
            }
        }
    }

    @Test("new-recovery-codes: 10 new codes in the API's answer; the old codes stop working, the new ones work")
    func actionIssuesANewSet() async throws {
        try await Fixture.with { fx in
            let old = try await Self.seed(fx)
            try await fx.app().test(.router) { client in
                let flow = try await client.step(try await Self.codeStep(client, fx), ["code": old[0]])
                #expect(state(flow) == "verified")
                let r = try await client.act(flow, "new-recovery-codes")
                #expect(r.status == .ok, "\(String(buffer: r.body))")
                let body = try jsonObject(r)
                #expect(body["result"] as? String == "recovery_codes")
                let new = try #require(body["codes"] as? [String])
                #expect(new.count == 10 && Set(new).count == 10 && new.allSatisfy { $0.count == 19 && $0.split(separator: "-").count == 4 }, "\(new)")
                #expect(Set(new).isDisjoint(with: old))
                #expect(try await client.validate(old[1], tenant: "demo", key: fx.validateKey) == "reject")
                #expect(try await client.validate(new[0], tenant: "demo", key: fx.validateKey) == "accept")
                #expect(try await client.validate(new[0], tenant: "demo", key: fx.validateKey) == "reject")
                // The grant is used once.
                #expect(try await client.act(flow, "new-recovery-codes").status == .conflict)
            }
            let events = try await Self.events(fx).map { "\($0.event) \($0.outcome) \($0.reason)" }
            #expect(events.contains("recovery.new-recovery-codes success 10 codes"), "\(events)")
            #expect(events.contains("recovery_codes.revoke success replaced by a new set"), "\(events)")
        }
    }

    @Test("web: the result page shows the 10 new codes once, one a line, with the \"shown only now\" line")
    func webResultPage() async throws {
        try await Fixture.with { fx in
            let old = try await Self.seed(fx)
            fx.clock.set(Date())
            try await fx.app().test(.router) { client in
                var b = Browser(client)
                var page = try await b.get("/recover?tenant=demo")
                page = try await b.submit(page, action: "/recover", ["username": "alice"])
                page = try await b.get("/recover/flow")
                page = try await b.submit(page, action: "/recover/flow", ["flow": "sms-codes"])
                page = try await b.get("/recover/flow")
                page = try await b.submit(page, action: "/recover/flow", ["contact": "0", "number": "+420777123789"])
                page = try await b.get("/recover/flow")
                page = try await b.submit(page, action: "/recover/flow", ["code": try await fx.sentCode(to: "+420777123789")])
                page = try await b.get("/recover/flow")
                #expect(html(page).contains(t("prompt.recovery_code")) && html(page).contains(t("field.recovery_code")))
                page = try await b.submit(page, action: "/recover/flow", ["code": old[0]])
                let flowPage = try await b.get("/recover/flow")
                #expect(html(flowPage).contains(t("action.new-recovery-codes")))
                let result = try await b.submit(flowPage, action: "/recover/action/new-recovery-codes", [:])
                #expect(result.status == .ok)
                #expect(result.headers[.cacheControl] == "no-store")
                let text = html(result)
                #expect(text.contains(t("web.title_recovery_codes_result")) && text.contains(t("web.recovery_codes_once")))
                let value = try #require(text.firstMatch(of: /id="result-value"[^>]*>([^<]*)</)).1
                let codes = value.split(separator: "\n").map(String.init)
                #expect(codes.count == 10 && codes.allSatisfy { $0.wholeMatch(of: /[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}/) != nil }, "\(value)")
                #expect(try await client.validate(try #require(codes.first), tenant: "demo", key: fx.validateKey) == "accept")
                #expect(try await client.validate(old[1], tenant: "demo", key: fx.validateKey) == "reject")
            }
        }
    }
}
