import Foundation
import HummingbirdTesting
import LifelineApp
import LifelineCore
import Testing

/// Issue 13 item 3: wrong codes throttle a token (a growing delay) and lock it only at `otp.maxFail` consecutive
/// failures (NIST SP 800-63B-4 §3.2.2); they never revoke the emergency code; a locked authenticator is named in a
/// recovery flow once an earlier step passed, and a verified flow can unlock it.
@Suite("Token throttling and lockout")
struct TokenLockoutTests {
    static let caller = Caller(actor: "t", scope: .validate)

    /// One wrong code through the validation service, after waiting out any throttle (1 h is the default cap).
    static func miss(_ fx: Fixture, user: String = "alice", tenant: String = "acme") async throws {
        fx.clock.advance(seconds: 3_601)
        _ = try await fx.runtime.validation.validate(tenantName: tenant, username: user, code: fx.wrongCode(), caller: caller)
    }

    func tokenJSON(_ client: some TestClientProtocol, _ fx: Fixture, _ id: UUID) async throws -> [String: Any] {
        try jsonObject(try await client.send(.get, "/api/v1/admin/tenants/acme/tokens/\(id.uuidString.lowercased())", key: fx.adminKey))
    }

    @Test("10 wrong codes neither lock the token nor revoke the emergency code")
    func tenMissesDoNotLock() async throws {
        try await Fixture.with { fx in
            let id = try await fx.seedAlice()
            _ = try await EmergencyCodeTests.issue(fx)
            try await fx.app().test(.router) { client async throws in
                for _ in 1...10 { try await Self.miss(fx) }
                let t = try await tokenJSON(client, fx, id)
                #expect(t["state"] as? String == "active")
                #expect(t["fail_count"] as? Int == 10)
                #expect(t["max_fail"] as? Int == 100)
                let code = try jsonObject(try await client.send(.get, EmergencyCodeTests.uri, key: fx.adminKey))
                #expect(code["status"] as? String == "active")
                #expect(code["fail_count"] as? Int == 0)
                fx.clock.advance(seconds: 3_601)
                #expect(try await client.validate(fx.totp(), key: fx.validateKey) == "accept")
            }
        }
    }

    @Test("3 consecutive failures throttle the token (throttled_until), the right code is refused unchecked, a success resets")
    func throttleAndReset() async throws {
        try await Fixture.with { fx in
            let id = try await fx.seedAlice()
            try await fx.app().test(.router) { client async throws in
                for _ in 1...2 { #expect(try await client.validate(fx.wrongCode(), key: fx.validateKey) == "reject") }
                var t = try await tokenJSON(client, fx, id)
                #expect(t["fail_count"] as? Int == 2)
                #expect(t.keys.contains("throttled_until") && t["throttled_until"] is NSNull)
                #expect(try await client.validate(fx.wrongCode(), key: fx.validateKey) == "reject")
                t = try await tokenJSON(client, fx, id)
                #expect(t["fail_count"] as? Int == 3)
                #expect(t["state"] as? String == "active")
                // 30 s after the third consecutive failure.
                #expect(t["throttled_until"] as? String == "2027-01-15T08:00:40Z")
                // Throttled: the right code is refused without being checked, and nothing more is counted.
                #expect(try await client.validate(fx.totp(), key: fx.validateKey) == "reject")
                #expect(try await client.validate(fx.wrongCode(), key: fx.validateKey) == "reject")
                #expect(try await tokenJSON(client, fx, id)["fail_count"] as? Int == 3)
                let check = try await client.send(.post, "/api/v1/admin/tenants/acme/tokens/\(id.uuidString.lowercased())/check",
                                                  key: fx.adminKey, json: ["code": fx.totp()])
                #expect(try jsonObject(check)["result"] as? String == "throttled")
                // After the delay the right code works and resets the count.
                fx.clock.advance(seconds: 31)
                #expect(try await client.validate(fx.totp(), key: fx.validateKey) == "accept")
                t = try await tokenJSON(client, fx, id)
                #expect(t["fail_count"] as? Int == 0)
                #expect(t["throttled_until"] is NSNull)
                // The count starts again: two misses do not throttle.
                for _ in 1...2 { #expect(try await client.validate(fx.wrongCode(), key: fx.validateKey) == "reject") }
                fx.clock.advance(seconds: 30)
                #expect(try await client.validate(fx.totp(), key: fx.validateKey) == "accept")
            }
        }
    }

    @Test("the token locks only at max_fail consecutive failures")
    func lockAtTheLimit() async throws {
        try await Fixture.with { fx in
            let id = try await fx.seedAlice()
            for _ in 1...99 { try await Self.miss(fx) }
            try await fx.app().test(.router) { client async throws in
                var t = try await tokenJSON(client, fx, id)
                #expect(t["state"] as? String == "active")
                #expect(t["fail_count"] as? Int == 99)
                try await Self.miss(fx)
                t = try await tokenJSON(client, fx, id)
                #expect(t["state"] as? String == "locked")
                #expect(t["fail_count"] as? Int == 100)
                fx.clock.advance(seconds: 3_601)
                #expect(try await client.validate(fx.totp(), key: fx.validateKey) == "reject")
            }
        }
    }

    @Test("50 concurrent wrong codes are worth at most the unthrottled few: the token is throttled, not locked")
    func concurrentGuesses() async throws {
        try await Fixture.with { fx in
            let id = try await fx.seedAlice()
            let wrong = fx.wrongCode()
            try await withThrowingTaskGroup(of: Bool.self) { group in
                for _ in 0..<50 {
                    group.addTask { try await fx.runtime.validation.validate(tenantName: "acme", username: "alice", code: wrong, caller: Self.caller) }
                }
                for try await accepted in group { #expect(!accepted) }
            }
            let (_, stored) = try await fx.runtime.admin.token(tenantName: "acme", id: id, caller: .cli)
            // Each failure is stored only on the count its check read, and a throttled token counts nothing.
            #expect(stored.token.failCount <= 3)
            #expect(stored.token.state == .active)
        }
    }

    @Test("wrong OTPs do not count on the emergency code; emergency-shaped guesses do, and not on the tokens")
    func emergencyCodeBudget() async throws {
        try await Fixture.with { fx in
            let id = try await fx.seedAlice()
            let issued = try await EmergencyCodeTests.issue(fx)
            let wrong = issued.code.hasPrefix("9") ? "1234567890" : "9876543210"
            try await fx.app().test(.router) { client async throws in
                #expect(try await client.validate(wrong, key: fx.validateKey) == "reject")
                #expect(try await client.validate("K7MQ9XHD", key: fx.validateKey) == "reject")
                #expect(try await client.validate("23456789", key: fx.validateKey) == "reject")
                #expect(try await client.validate(fx.wrongCode(), key: fx.validateKey) == "reject")
                #expect(try await tokenJSON(client, fx, id)["fail_count"] as? Int == 1)
                // "23456789" cannot be an OTP of alice (her token has 6 digits), so it is a guess at the code.
                #expect(try jsonObject(try await client.send(.get, EmergencyCodeTests.uri, key: fx.adminKey))["fail_count"] as? Int == 3)
                // Two more wrong OTPs throttle the token; the code's count is unchanged. While throttled, a 6-digit input
                // is checked by nothing (it cannot be an emergency code) and counts nowhere; a 10-digit one still counts
                // on the code.
                for _ in 1...3 { _ = try await client.validate(fx.wrongCode(), key: fx.validateKey) }
                #expect(try await tokenJSON(client, fx, id)["fail_count"] as? Int == 3)
                #expect(try jsonObject(try await client.send(.get, EmergencyCodeTests.uri, key: fx.adminKey))["fail_count"] as? Int == 3)
                _ = try await client.validate(wrong, key: fx.validateKey)
                #expect(try jsonObject(try await client.send(.get, EmergencyCodeTests.uri, key: fx.adminKey))["fail_count"] as? Int == 4)
            }
        }
    }
}

@Suite("Recovery with a locked authenticator")
struct RecoveryLockedAuthenticatorTests {
    /// The demo tenant plus a flow of text message and email that grants unlock-authenticator.
    func seed(_ fx: Fixture) async throws {
        try await fx.seedRecovery()
        var file = try DemoSeeder.tenantFile()
        file.recovery.flows.append(FlowDefinition(id: "sms-email", names: ["en": "Text message and email"], steps: ["sms", "email"],
                                                  actions: [.unlockAuthenticator]))
        file.recovery.limits.failedFlowsPerDay = 100
        _ = try await fx.runtime.admin.applyRecoveryConfig(tenantName: "demo", file.recovery, caller: fx.caller)
    }

    func lockAlice(_ fx: Fixture) async throws {
        for _ in 1...100 {
            fx.clock.advance(seconds: 3_601)
            _ = try await fx.runtime.validation.validate(tenantName: "demo", username: "alice", code: fx.wrongCode(), caller: TokenLockoutTests.caller)
        }
        let demo = try #require(try await fx.runtime.store.tenant(named: "demo"))
        #expect(try await fx.runtime.store.tokens(tenantID: demo.id, userID: nil).map(\.state) == [.locked])
    }

    @Test("after a passed step the TOTP step says locked and names the unlock flow; the unlock action works once, audited and notified")
    func lockedThenUnlocked() async throws {
        try await Fixture.with { fx in
            try await seed(fx)
            try await lockAlice(fx)
            try await fx.app().test(.router) { client async throws in
                var flow = try await client.startFlow("alice")
                flow = try await client.step(flow, ["flow": "sms-totp"])
                flow = try await client.step(flow, ["contact": "0", "number": "+420777123789"])
                flow = try await client.step(flow, ["code": try await fx.sentCode(to: "+420777123789")])
                #expect(state(flow) == "enter_totp")
                flow = try await client.step(flow, ["code": fx.totp()])
                #expect(state(flow) == "enter_totp")
                #expect(messageIDs(flow) == ["error.totp_locked", "info.unlock_authenticator"])
                let texts = (flow["messages"] as? [[String: Any]] ?? []).compactMap { $0["text"] as? String }
                #expect(texts.last?.contains("Text message and email") == true)

                // The other flow verifies without the authenticator and unlocks it.
                fx.clock.advance(seconds: 30)
                var other = try await client.startFlow("alice")
                other = try await client.step(other, ["flow": "sms-email"])
                other = try await client.step(other, ["contact": "0", "number": "+420777123789"])
                other = try await client.step(other, ["code": try await fx.sentCode(to: "+420777123789")])
                other = try await client.step(other, ["contact": "0", "address": "alice@demo.example"])
                other = try await client.step(other, ["code": try await fx.sentCode(to: "alice@demo.example")])
                #expect(state(other) == "verified")
                #expect(availability(other)["unlock-authenticator"] == true)
                let r = try await client.act(other, "unlock-authenticator")
                #expect(r.status == .ok)
                #expect(try jsonObject(r)["result"] as? String == "authenticator_unlocked")
                try expectError(try await client.act(other, "unlock-authenticator"), .conflict, "action_unavailable")
                fx.clock.advance(seconds: 30)
                #expect(try await client.validate(fx.totp(), user: "alice", tenant: "demo", key: fx.validateKey) == "accept")
            }
            let events = try await fx.runtime.store.recentEvents(tenant: "demo", limit: 400)
            #expect(events.contains { $0.record.event == "recovery.unlock-authenticator" && $0.record.outcome == "success" })
            var notified = false
            for m in try await fx.runtime.store.recentMessages(limit: 50) where m.recipient == "alice@demo.example" {
                let text = String(decoding: try await fx.runtime.vault.open(try #require(m.body), context: m.sealContext), as: UTF8.self)
                if text.contains("authenticator was just unlocked") { notified = true }
            }
            #expect(notified)
        }
    }

    @Test("as the first step, a locked authenticator answers like a wrong code (like a decoy)")
    func firstStepRevealsNothing() async throws {
        try await Fixture.with { fx in
            try await seed(fx)
            var file = try DemoSeeder.tenantFile()
            file.recovery.flows = [FlowDefinition(id: "totp-only", names: ["en": "Authenticator"], steps: ["authenticator"], actions: [.selfservice])]
            _ = try await fx.runtime.admin.applyRecoveryConfig(tenantName: "demo", file.recovery, caller: fx.caller)
            try await lockAlice(fx)
            try await fx.app().test(.router) { client async throws in
                let real = try await client.step(try await client.startFlow("alice"), ["code": fx.totp()])
                let decoy = try await client.step(try await client.startFlow("nobody"), ["code": fx.totp()])
                #expect(messageIDs(real) == ["error.code_wrong"])
                #expect(sameJSON(shape(real), shape(decoy)))
            }
        }
    }

    @Test("the TOTP step checks only the user's TOTP tokens: an HOTP code neither passes nor is consumed")
    func hotpCodesDoNotPassTheTOTPStep() async throws {
        try await Fixture.with { fx in
            try await fx.seedRecovery()
            var bob = AdminService.NewUser(username: "bob")
            bob.phones = ["+420777000111"]
            _ = try await fx.runtime.admin.createUser(tenantName: "demo", bob, caller: fx.caller)
            var hotp = EnrollmentRequest(type: .hotp)
            hotp.secretBase32 = Base32.encode(Array("abcdefghijabcdefghij".utf8))
            let hotpID = try await fx.runtime.admin.enrollToken(tenantName: "demo", username: "alice", hotp, caller: fx.caller).token.id
            _ = try await fx.runtime.admin.enrollToken(tenantName: "demo", username: "bob", hotp, caller: fx.caller)
            try await fx.app().test(.router) { client async throws in
                for (user, phone) in [("alice", "+420777123789"), ("bob", "+420777000111")] {
                    var flow = try await client.startFlow(user)
                    flow = try await client.step(flow, ["flow": "sms-totp"])
                    flow = try await client.step(flow, ["contact": "0", "number": phone])
                    flow = try await client.step(flow, ["code": try await fx.sentCode(to: phone)])
                    flow = try await client.step(flow, ["code": fx.hotp(0, secret: Array("abcdefghijabcdefghij".utf8))])
                    #expect(state(flow) == "enter_totp", "\(user)")
                    #expect(messageIDs(flow) == ["error.code_wrong"], "\(user)")
                }
            }
            let (_, stored) = try await fx.runtime.admin.token(tenantName: "demo", id: hotpID, caller: .cli)
            #expect(stored.token.counter == 0 && stored.token.lastUsed == nil)
        }
    }
}

/// Issue 13 item 2: "A replay of the code that was just accepted is refused but is not counted as a guess. Today 19
/// racing replays of one valid code locked the token."
@Suite("Replays are refused, not counted")
struct ReplayTests {
    @Test("30 racing replays of a just-accepted code are all refused and leave the token unthrottled with no failure")
    func replaysAreNotGuesses() async throws {
        try await Fixture.with { fx in
            let id = try await fx.seedAlice()
            let code = fx.totp()
            #expect(try await fx.runtime.validation.validate(tenantName: "acme", username: "alice", code: code, caller: TokenLockoutTests.caller))
            let results = try await withThrowingTaskGroup(of: Bool.self) { group in
                for _ in 0..<30 {
                    group.addTask { try await fx.runtime.validation.validate(tenantName: "acme", username: "alice", code: code, caller: TokenLockoutTests.caller) }
                }
                return try await group.reduce(into: [Bool]()) { $0.append($1) }
            }
            #expect(results.count == 30 && results.allSatisfy { !$0 })
            let demo = try #require(try await fx.runtime.store.tenant(named: "acme"))
            let token = try #require(try await fx.runtime.store.tokens(tenantID: demo.id, userID: nil).first { $0.id == id })
            #expect(token.failCount == 0)
            #expect(token.throttledUntil == nil)
            #expect(token.state == .active)
            let reasons = try await fx.runtime.store.recentEvents(tenant: "acme", limit: 100).filter { $0.record.outcome == "reject" }.map(\.record.reason)
            #expect(reasons.count == 30 && reasons.allSatisfy { $0 == "replayed code" }, "\(Set(reasons))")
            // The user's next code works at once: nothing throttled them.
            fx.clock.advance(seconds: 30)
            #expect(try await fx.runtime.validation.validate(tenantName: "acme", username: "alice", code: fx.totp(), caller: TokenLockoutTests.caller))
        }
    }
}
