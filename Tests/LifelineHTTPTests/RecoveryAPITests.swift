import Foundation
import HTTPTypes
import HummingbirdTesting
import LifelineApp
import LifelineCore
import LifelineHTTP
import NIOCore
import Testing

@Suite("Recovery flow API")
struct RecoveryAPITests {
    @Test("SMS then authenticator: verified, actions listed, self-service grant used once")
    func smsAndTOTP() async throws {
        try await Fixture.with { fx in
            try await fx.seedRecovery()
            try await fx.app().test(.router) { client in
                var flow = try await client.startFlow("alice")
                #expect(state(flow) == "choose_flow")
                #expect(isUUID(flow["id"]) && isRFC3339(flow["expires_at"]))
                flow = try await client.step(flow, ["flow": "sms-totp"])
                #expect(state(flow) == "choose_contact")
                let fields = try #require(flow["fields"] as? [[String: Any]])
                #expect(fields.map { $0["name"] as? String } == ["contact", "number"])
                let options = try #require(fields[0]["options"] as? [[String: Any]])
                #expect(options.map { $0["label"] as? String } == ["+420 *** *** 789"])
                // A wrong number sends nothing.
                flow = try await client.step(flow, ["contact": "0", "number": "+420777123788"])
                #expect(messageIDs(flow) == ["error.number_mismatch"])
                #expect(try await fx.runtime.store.recentMessages(limit: 10).isEmpty)
                // The right number in national form (default country code +420) sends a code.
                flow = try await client.step(flow, ["contact": "0", "number": "777 123 789", "state": "choose_contact", "step": "1"])
                #expect(state(flow) == "enter_code")
                #expect(messageIDs(flow) == ["info.code_sent"])
                #expect(isRFC3339(flow["resend_available_at"]))
                let code = try await fx.sentCode(to: "+420777123789")
                #expect(code.count == 6)
                flow = try await client.step(flow, ["code": code == "000000" ? "111111" : "000000"])
                #expect(messageIDs(flow) == ["error.code_wrong"])
                flow = try await client.step(flow, ["code": code, "state": "enter_code"])
                #expect(state(flow) == "enter_totp")
                // The same SMS code again, marked as the enter_code step, is refused as stale (409), not counted.
                try expectError(try await client.submit(flow, ["code": code, "state": "enter_code"]), .conflict, "conflict")
                flow = try await client.step(flow, ["code": fx.totp()])
                #expect(state(flow) == "verified")
                let actions = try #require(flow["actions"] as? [[String: Any]])
                #expect(actions.compactMap { $0["id"] as? String } == ["reset-password", "unlock-account", "card-unblock", "emergency-code", "selfservice"])
                // Unlock is not offered (alice's account is not locked), nor card unblock (she has no card).
                #expect(actions.map { $0["available"] as? Bool } == [true, false, false, true, true])
                #expect(actions.map { ($0["note"] as? [String: Any])?["id"] as? String } == [nil, "action.not_locked", "action.no_card", nil, nil])
                let id = try #require(flow["id"] as? String)
                let use = try await client.send(.post, "/api/v1/recovery/flows/\(id)/actions/selfservice")
                #expect(use.status == .ok)
                #expect(try jsonObject(use)["redirect_to"] as? String == "https://example.com/selfservice")
                // The answer's exact bytes (sorted keys): outside clients parse them.
                #expect(String(buffer: use.body) == #"{"redirect_to":"https://example.com/selfservice","result":"redirect"}"#)
                try expectError(try await client.send(.post, "/api/v1/recovery/flows/\(id)/actions/selfservice"), .conflict, "action_unavailable")
                try expectError(try await client.send(.post, "/api/v1/recovery/flows/\(id)/actions/unlock-account"), .conflict, "action_unavailable")
                try expectError(try await client.send(.post, "/api/v1/recovery/flows/\(id)/actions/fly"), .notFound, "not_found")
                let after = try jsonObject(try await client.send(.get, "/api/v1/recovery/flows/\(id)"))
                let selfservice = (after["actions"] as? [[String: Any]])?.first { $0["id"] as? String == "selfservice" }
                #expect(selfservice?["available"] as? Bool == false)
            }
            let events = try await fx.runtime.store.recentEvents(tenant: "demo", limit: 50).map { "\($0.record.event):\($0.record.outcome)" }
            for e in ["recovery.start:ok", "recovery.send:ok", "recovery.step:failure", "recovery.step:success", "recovery.verified:success", "recovery.selfservice:success"] {
                #expect(events.contains(e), "missing audit event \(e)")
            }
        }
    }

    @Test("email then questions, answers normalized; a wrong answer does not say which")
    func emailAndQuestions() async throws {
        try await Fixture.with { fx in
            try await fx.seedRecovery()
            try await fx.app().test(.router) { client in
                var flow = try await client.startFlow("ALICE", language: "cs")
                #expect(flow["language"] as? String == "cs")
                flow = try await client.step(flow, ["flow": "email-questions"])
                let label = ((flow["fields"] as? [[String: Any]])?.first?["options"] as? [[String: Any]])?.first?["label"] as? String
                #expect(label == "a***@d***.example")
                flow = try await client.step(flow, ["contact": "0", "address": "Alice@DEMO.example"])
                #expect(state(flow) == "enter_code")
                let code = try await fx.sentCode(to: "alice@demo.example")
                #expect(code.count == 8)
                flow = try await client.step(flow, ["code": code])
                #expect(state(flow) == "answer_questions")
                let names = ((flow["fields"] as? [[String: Any]]) ?? []).compactMap { $0["name"] as? String }
                #expect(names.count == 2 && names.allSatisfy { $0.hasPrefix("answer.") })
                let answers = ["pet": "Rex", "city": "Brno", "teacher": "Novak", "school": "Masaryk", "street": "Husova"]
                var wrong: [String: String] = [:]
                for n in names { wrong[n] = answers[String(n.dropFirst(7))] }
                wrong[names[1]] = "wrong"
                flow = try await client.step(flow, wrong)
                #expect(messageIDs(flow) == ["error.answers_wrong"])
                var right: [String: String] = [:]
                for n in names { right[n] = "  " + (answers[String(n.dropFirst(7))] ?? "").uppercased() + " " }
                flow = try await client.step(flow, right)
                #expect(state(flow) == "verified")
                #expect(((flow["actions"] as? [[String: Any]]) ?? []).compactMap { $0["id"] as? String } == ["unlock-account", "selfservice"])
            }
        }
    }

    @Test("a drifted authenticator asks for two consecutive codes, then passes and stores the drift")
    func totpResync() async throws {
        try await Fixture.with { fx in
            try await fx.seedRecovery()
            try await fx.app().test(.router) { client in
                var flow = try await client.startFlow("alice")
                flow = try await client.step(flow, ["flow": "sms-totp"])
                flow = try await client.step(flow, ["contact": "0", "number": "+420777123789"])
                flow = try await client.step(flow, ["code": try await fx.sentCode(to: "+420777123789")])
                #expect(state(flow) == "enter_totp")
                flow = try await client.step(flow, ["code": fx.totp(5)])
                #expect(state(flow) == "resync_totp")
                #expect(messageIDs(flow) == ["info.totp_resync"])
                flow = try await client.step(flow, ["code": fx.totp(6), "code_next": fx.totp(8)])
                #expect(messageIDs(flow) == ["error.resync_failed"])
                flow = try await client.step(flow, ["code": fx.totp(6), "code_next": fx.totp(7)])
                #expect(state(flow) == "verified")
            }
            let demo = try #require(try await fx.runtime.store.tenant(named: "demo"))
            let token = try #require(try await fx.runtime.store.tokens(tenantID: demo.id, userID: nil).first)
            #expect(token.drift == 7)
        }
    }

    @Test("an unknown user gets a flow that looks and answers the same, and never verifies")
    func noEnumeration() async throws {
        try await Fixture.with(configure: { $0.budget.free = 100 }) { fx in
            try await fx.seedRecovery()
            try await fx.app().test(.router) { client in
                for flowID in ["sms-totp", "email-questions"] {
                    var real = try await client.startFlow("alice")
                    var fake = try await client.startFlow("mallory")
                    #expect(sameJSON(shape(real), shape(fake)))
                    real = try await client.step(real, ["flow": flowID])
                    fake = try await client.step(fake, ["flow": flowID])
                    #expect(sameJSON(shape(real), shape(fake)), "\(real)\n\(fake)")
                    let field = flowID == "sms-totp" ? "number" : "address"
                    let wrongValue = flowID == "sms-totp" ? "+420111222333" : "x@y.example"
                    real = try await client.step(real, ["contact": "0", field: wrongValue])
                    fake = try await client.step(fake, ["contact": "0", field: wrongValue])
                    #expect(sameJSON(shape(real), shape(fake)), "\(real)\n\(fake)")
                    #expect(messageIDs(fake) == [flowID == "sms-totp" ? "error.number_mismatch" : "error.address_mismatch"])
                }
                // The decoy numbers are stable across attempts.
                let a = try await client.step(try await client.startFlow("mallory"), ["flow": "sms-totp"])
                let b = try await client.step(try await client.startFlow("Mallory"), ["flow": "sms-totp"])
                #expect(sameJSON(a["fields"] ?? [], b["fields"] ?? []))
                // Five wrong codes end real and decoy flows alike.
                for user in ["alice", "mallory"] {
                    var f = try await client.step(try await client.startFlow(user), ["flow": "sms-totp"])
                    for _ in 0..<5 { f = try await client.step(f, ["contact": "0", "number": "+420111222333"]) }
                    #expect(state(f) == "failed", "\(user)")
                    try expectError(try await client.submit(f, ["contact": "0", "number": "+420111222333"]), .badRequest, "invalid_request")
                }
            }
        }
    }

    @Test("median latency of starting a flow differs by under a millisecond (or what a loaded machine can resolve) between a real and an unknown user")
    func sameTiming() async throws {
        try await Fixture.with { fx in
            try await fx.seedRecovery()
            try await fx.app().test(.router) { client in
                var real: [Double] = [], fake: [Double] = [], paired: [Double] = []
                let clock = ContinuousClock()
                for i in 0..<240 {
                    // Interleaved, so drift in machine load hits both alike; the first rounds warm caches.
                    var times: [String: Double] = [:]
                    for user in (i % 2 == 0 ? ["alice", "mallory"] : ["mallory", "alice"]) {
                        let start = clock.now
                        let r = try await client.send(.post, "/api/v1/recovery/flows", json: ["tenant": "demo", "username": user])
                        let ms = Double((clock.now - start).components.attoseconds) / 1e15 + Double((clock.now - start).components.seconds) * 1000
                        #expect(r.status == .created)
                        times[user] = ms
                    }
                    if i >= 40, let a = times["alice"], let m = times["mallory"] { real.append(a); fake.append(m); paired.append(a - m) }
                }
                func median(_ a: [Double]) -> Double { let s = a.sorted(); return s[s.count / 2] }
                // The median of the paired differences: load that comes and goes (CI runs every suite at once) hits
                // both requests of a pair alike and cancels out, unlike a difference of the two medians.
                let delta = abs(median(paired))
                // How precisely this run can measure at all: the standard error of that median, from the pairs' own
                // spread (1.4826 × MAD estimates σ robustly; the median's error is 1.2533 σ/√n). On a quiet machine it
                // is a few hundredths of a millisecond and the bound is the 1 ms; when CI's parallel suites make one
                // request take 200 ms, a 1 ms difference is below what the run can resolve, so the bound is 4 such
                // errors (a false alarm about once in 16,000 runs) instead of a flaky failure.
                let center = median(paired)
                let sigma = 1.4826 * median(paired.map { abs($0 - center) })
                let standardError = 1.2533 * sigma / Double(paired.count).squareRoot()
                let bound = max(1.0, 4 * standardError)
                print("flow start median: real \(median(real)) ms, unknown \(median(fake)) ms, paired delta \(delta) ms, bound \(bound) ms")
                #expect(delta < bound, "real \(median(real)) ms vs unknown \(median(fake)) ms; standard error \(standardError) ms")
            }
        }
    }

    @Test("bad input: unknown tenant and flow are 404, missing fields 400, expired flows 410, nothing changes")
    func badInput() async throws {
        try await Fixture.with { fx in
            try await fx.seedRecovery()
            try await fx.tenant("plain")
            try await fx.app().test(.router) { client in
                try expectError(try await client.send(.post, "/api/v1/recovery/flows", json: ["tenant": "nope", "username": "alice"]), .notFound, "not_found")
                // A tenant without a recovery configuration is "not found" for recovery too.
                try expectError(try await client.send(.post, "/api/v1/recovery/flows", json: ["tenant": "plain", "username": "alice"]), .notFound, "not_found")
                try expectError(try await client.send(.post, "/api/v1/recovery/flows", json: ["tenant": "demo"]), .badRequest, "invalid_request")
                try expectError(try await client.send(.post, "/api/v1/recovery/flows", json: ["tenant": "demo", "username": " x"]), .badRequest, "invalid_request")
                try expectError(try await client.send(.post, "/api/v1/recovery/flows", body: "{"), .badRequest, "invalid_json")
                try expectError(try await client.send(.get, "/api/v1/recovery/flows/not-a-uuid"), .notFound, "not_found")
                try expectError(try await client.send(.get, "/api/v1/recovery/flows/\(UUID().uuidString)"), .notFound, "not_found")
                let flow = try await client.startFlow("alice")
                let id = try #require(flow["id"] as? String)
                try expectError(try await client.submit(flow, [:]), .badRequest, "invalid_request")
                try expectError(try await client.send(.post, "/api/v1/recovery/flows/\(id)", body: #"{"flow": 5}"#), .badRequest, "invalid_json")
                let stillChoosing = try jsonObject(try await client.send(.get, "/api/v1/recovery/flows/\(id)"))
                #expect(state(stillChoosing) == "choose_flow")
                fx.clock.advance(seconds: 901)
                let expired = try jsonObject(try await client.send(.get, "/api/v1/recovery/flows/\(id)"))
                #expect(state(expired) == "expired")
                try expectError(try await client.submit(flow, ["flow": "sms-totp"]), .gone, "expired")
            }
        }
    }

    @Test("wrong answers across abandoned flows spend one budget per username, known and unknown alike; the pause doubles, holds flows opened in advance and ignores midnight; the user is notified")
    func guessingBudgetAcrossFlows() async throws {
        try await Fixture.with { fx in
            try await fx.seedRecovery()
            try await fx.app().test(.router) { client in
                for user in ["alice", "mallory"] {
                    // Opened in advance, before any wrong answer: it must be held by the pause too.
                    let early = try await client.step(try await client.startFlow(user), ["flow": "sms-totp"])
                    // Five flows, each abandoned after one wrong number: the fifth wrong answer spends the budget.
                    for _ in 0..<5 {
                        let f = try await client.step(try await client.startFlow(user), ["flow": "sms-totp"])
                        let after = try await client.step(f, ["contact": "0", "number": "+420111222333"])
                        #expect(state(after) == "choose_contact")
                    }
                    let refused = try await client.send(.post, "/api/v1/recovery/flows", json: ["tenant": "demo", "username": user])
                    try expectError(refused, .tooManyRequests, "rate_limited")
                    #expect(refused.headers[.retryAfter] == "300", "\(user)")
                    let held = try await client.submit(early, ["contact": "0", "number": "+420111222333"])
                    try expectError(held, .tooManyRequests, "rate_limited")
                }
                // A refused submission was not counted: after the pause one wrong answer doubles it (not more).
                fx.clock.advance(seconds: 301)
                let f = try await client.step(try await client.startFlow("alice"), ["flow": "sms-totp"])
                _ = try await client.step(f, ["contact": "0", "number": "+420111222333"])
                let again = try await client.send(.post, "/api/v1/recovery/flows", json: ["tenant": "demo", "username": "alice"])
                try expectError(again, .tooManyRequests, "rate_limited")
                #expect(again.headers[.retryAfter] == "600")
                // Midnight (a day later the pause is over, but the count is not): the next wrong answer pauses for 20 min.
                fx.clock.advance(seconds: 86_400)
                let g = try await client.step(try await client.startFlow("alice"), ["flow": "sms-totp"])
                _ = try await client.step(g, ["contact": "0", "number": "+420111222333"])
                let third = try await client.send(.post, "/api/v1/recovery/flows", json: ["tenant": "demo", "username": "alice"])
                #expect(third.headers[.retryAfter] == "1200")
            }
            // The real user was told once (a notice per day at most), on their verified contacts; the decoy wrote
            // suppressed rows only.
            let due = try await fx.runtime.store.claim(now: fx.clock.now().addingTimeInterval(86_400 * 3), lease: 60, limit: 500)
            var paused = 0
            for m in due {
                guard let body = m.body else { continue }
                let text = String(decoding: try await fx.runtime.vault.open(body, context: m.sealContext), as: UTF8.self)
                if text.contains("paused") { paused += 1; #expect(!m.recipient.isEmpty) }
            }
            #expect(paused >= 1 && paused <= 4, "pause notices: \(paused)")
            // The admin API shows the pause and lifts it (audited); then a flow starts again.
            let budget = try await fx.runtime.admin.guessBudgets(tenantName: "demo", username: "alice", caller: fx.caller)
            #expect(budget.first { $0.scope == "user" }?.failures == 7)
            #expect(try await fx.runtime.admin.liftGuessBudgets(tenantName: "demo", username: "alice", caller: fx.caller) == 1)
            try await fx.app().test(.router) { client in
                let started = try await client.startFlow("alice")
                #expect(state(started) == "choose_flow")
            }
            // The lift was for alice only: the unknown username keeps its counted answers.
            let other = try await fx.runtime.admin.guessBudgets(tenantName: "demo", username: "mallory", caller: fx.caller)
            #expect(other.first { $0.scope == "user" }?.failures == 5)
            let lifts = try await fx.runtime.store.recentEvents(tenant: "demo", limit: 500).filter { $0.record.event == "recovery.budget_lift" }
            #expect(lifts.count == 1)
        }
    }

    @Test("right answers are taken back from the budget (with the flow's own write): a verified flow leaves only its wrong answer")
    func rightAnswersAreRefunded() async throws {
        try await Fixture.with { fx in
            try await fx.seedRecovery()
            try await fx.app().test(.router) { client in
                var flow = try await client.step(try await client.startFlow("alice"), ["flow": "sms-totp"])
                flow = try await client.step(flow, ["contact": "0", "number": "+420111222333"])
                #expect(messageIDs(flow).first?.hasPrefix("error.") == true)
                flow = try await client.step(flow, ["contact": "0", "number": "+420777123789"])
                flow = try await client.step(flow, ["code": try await fx.sentCode(to: "+420777123789")])
                flow = try await client.step(flow, ["code": fx.totp()])
                #expect(state(flow) == "verified")
            }
            let budget = try await fx.runtime.admin.guessBudgets(tenantName: "demo", username: "alice", caller: fx.caller)
            #expect(budget.first { $0.scope == "user" }?.failures == 1, "\(budget)")
        }
    }

    @Test("50 concurrent wrong answers for one username across 50 flows: exactly the budget is checked, the rest refused unchecked")
    func concurrentGuessesHoldTheBudget() async throws {
        try await Fixture.with { fx in
            try await fx.seedRecovery()
            try await fx.app().test(.router) { client in
                var flows: [[String: Any]] = []
                for _ in 0..<50 { flows.append(try await client.step(try await client.startFlow("alice"), ["flow": "sms-totp"])) }
                let statuses = try await withThrowingTaskGroup(of: Int.self) { group in
                    for f in flows {
                        let id = try #require(f["id"] as? String)
                        group.addTask {
                            let r = try await client.send(.post, "/api/v1/recovery/flows/\(id)", json: ["contact": "0", "number": "+420111222333"])
                            return Int(r.status.code)
                        }
                    }
                    return try await group.reduce(into: [Int]()) { $0.append($1) }
                }
                #expect(statuses.filter { $0 == 200 }.count == 5, "\(statuses)")
                #expect(statuses.filter { $0 == 429 }.count == 45)
            }
            let budget = try await fx.runtime.admin.guessBudgets(tenantName: "demo", username: "alice", caller: fx.caller)
            #expect(budget.first?.failures == 5)
        }
    }

    @Test("the per-address limiter refuses a burst beyond its size and refills over time")
    func addressLimiter() {
        let limiter = AddressRateLimiter(perMinute: 3)
        let t0 = ContinuousClock.now
        #expect((0..<3).map { _ in limiter.take("10.0.0.1", now: t0) } == [nil, nil, nil])
        #expect(limiter.take("10.0.0.1", now: t0) == 20)
        #expect(limiter.take("10.0.0.2", now: t0) == nil)
        #expect(limiter.take("10.0.0.1", now: t0 + .seconds(21)) == nil)
    }
}

@Suite("Recovery flow API: lockout")
struct RecoveryLockoutTests {
    @Test("wrong authenticator codes in flows do not lock the user's token (no anonymous lockout)")
    func noAnonymousLockout() async throws {
        try await Fixture.with(configure: { $0.budget.free = 100 }) { fx in
            try await fx.seedRecovery()
            // A tenant whose only flow starts with the authenticator, so an anonymous caller reaches it at once.
            var file = try DemoSeeder.tenantFile()
            file.recovery.flows = [FlowDefinition(id: "totp-only", names: ["en": "Authenticator"], steps: ["authenticator"], actions: [.selfservice])]
            _ = try await fx.runtime.admin.applyRecoveryConfig(tenantName: "demo", file.recovery, caller: fx.caller)
            try await fx.app().test(.router) { client in
                for _ in 0..<3 {
                    var f = try await client.startFlow("alice")
                    #expect(state(f) == "enter_totp")
                    for _ in 0..<5 { f = try await client.step(f, ["code": fx.wrongCode()]) }
                    #expect(state(f) == "failed")
                }
                // 15 wrong codes in flows: none counts on the token, which is still active (not even throttled) and works for logins.
                #expect(try await client.validate(fx.totp(), user: "alice", tenant: "demo", key: fx.validateKey) == "accept")
            }
            let demo = try #require(try await fx.runtime.store.tenant(named: "demo"))
            let token = try #require(try await fx.runtime.store.tokens(tenantID: demo.id, userID: nil).first)
            #expect(token.state == .active)
            let rejects = try await fx.runtime.store.recentEvents(tenant: "demo", limit: 200).filter { $0.record.event == "recovery.totp" && $0.record.outcome == "reject" }
            #expect(rejects.count == 15)
        }
    }
}
