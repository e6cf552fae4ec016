import Foundation
import LifelineAuthenticatorKit
import LifelineCore
import LifelineTestStore
import Testing

@Suite("Offline: authentication through an agent, offline data, refills")
struct OfflineAuthenticateTests {
    @Test func acceptIssuesDataThatVerifiesTheNextCodesButNotTheOneJustUsed() async throws {
        let t = try OfflineHarness()
        try await t.seed()
        let (_, agent) = try await t.agent()
        let now = t.step()
        let answer = try await t.authenticate(agent, t.h.totp())
        #expect(answer.result == "accept")
        let data = try #require(answer.offline)
        #expect(answer.refillToken?.count == 43)
        #expect(data.firstStep == now + 1)
        #expect(data.steps == 7 * 2880)
        #expect(data.pin == false && data.digits == 6 && data.period == 30 && data.maxFailures == 5)
        #expect(Data(base64Encoded: data.tags)?.count == data.steps * OfflineConstruction.tagBytes)
        #expect(data.expiresAt == (now + 1 + Int64(data.steps)) * 30)
        #expect(OfflineHarness.verifies(data, OfflineHarness.code(now + 1), at: now + 1))
        #expect(OfflineHarness.verifies(data, OfflineHarness.code(now + 500), at: now + 500))
        // The code just typed online does not verify offline again (the replay), nor a wrong one.
        #expect(!OfflineHarness.verifies(data, OfflineHarness.code(now), at: now))
        #expect(!OfflineHarness.verifies(data, OfflineHarness.code(now), at: now + 1))
        #expect(!OfflineHarness.verifies(data, t.h.wrongCode(), at: now + 1))
        let grants = try await t.service.grants(tenantName: "demo", username: "alice", caller: t.op())
        #expect(grants.map(\.state) == ["live"])
        #expect(grants.first?.machine == "mac-1" && grants.first?.agentName == "laptops")
        #expect(t.trail().contains("agent.authenticate accept"))
        #expect(t.trail().contains("offline.issue success"))
        // A second download for the same machine replaces the first.
        t.h.clock.advance(by: 30)
        _ = try #require(try await t.authenticate(agent, t.h.totp()).offline)
        #expect(try await t.service.grants(tenantName: "demo", username: "alice", caller: t.op()).map(\.state) == ["live", "replaced"])
    }

    @Test func aTokenWithAPINGetsPINAndTokencodeTagsAlsoAfterARefill() async throws {
        let t = try OfflineHarness()
        let tokenID = try await t.seed()
        _ = try await t.h.admin.setTokenPIN(tenantName: "demo", id: tokenID, pin: "3817", caller: .cli)
        let (_, agent) = try await t.agent()
        let now = t.step()
        let answer = try await t.authenticate(agent, "3817" + t.h.totp())
        let data = try #require(answer.offline)
        #expect(data.pin)
        #expect(OfflineHarness.verifies(data, "3817" + OfflineHarness.code(now + 2), at: now + 2))
        #expect(!OfflineHarness.verifies(data, OfflineHarness.code(now + 2), at: now + 2))
        #expect(!OfflineHarness.verifies(data, "3818" + OfflineHarness.code(now + 2), at: now + 2))
        t.h.clock.advance(by: 3600)
        let refilled = try await t.refill(agent, try #require(answer.refillToken))
        #expect(refilled.result == "refilled")
        let again = try #require(refilled.offline)
        let later = t.step() + 3
        #expect(OfflineHarness.verifies(again, "3817" + OfflineHarness.code(later), at: later))
    }

    @Test func noDataWhenThePolicyDoesNotCoverTheUserOrThePasscodeIsShort() async throws {
        let t = try OfflineHarness()
        try await t.seed(offline: #"{"enabled": false}"#)
        let (_, agent) = try await t.agent()
        let off = try await t.authenticate(agent, t.h.totp())
        #expect(off == OfflineWire.AuthenticateResponse(result: "accept", offlineReason: "offline_not_allowed"))
        try await t.apply(offline: #"{"enabled": true, "groups": ["laptop"], "min_passcode_length": 6}"#)
        t.h.clock.advance(by: 30)
        #expect(try await t.authenticate(agent, t.h.totp()).offlineReason == "offline_not_allowed")
        _ = try await t.service.setGroups(tenantName: "demo", username: "alice", groups: ["Laptop"], caller: .cli)
        t.h.clock.advance(by: 30)
        #expect(try await t.authenticate(agent, t.h.totp()).offline != nil)
        try await t.apply(offline: #"{"enabled": true, "min_passcode_length": 8}"#)
        t.h.clock.advance(by: 30)
        let short = try await t.authenticate(agent, t.h.totp())
        #expect(short == OfflineWire.AuthenticateResponse(result: "accept", offlineReason: "passcode_too_short"))
    }

    @Test func aRefillRotatesTheTokenAndTheOldOneIsRefused() async throws {
        let t = try OfflineHarness()
        try await t.seed()
        let (_, agent) = try await t.agent()
        let first = try #require(try await t.authenticate(agent, t.h.totp()).refillToken)
        t.h.clock.advance(by: 86_400)
        let refilled = try await t.refill(agent, first)
        #expect(refilled.result == "refilled")
        let second = try #require(refilled.refillToken)
        #expect(second != first)
        #expect(try #require(refilled.offline).firstStep == t.step())
        #expect(try await t.refill(agent, first) == OfflineWire.AuthenticateResponse(result: "revoked", offlineReason: "revoked"))
        // Another machine or user with the right token: no such grant.
        #expect(try await t.refill(agent, second, machine: "mac-2").result == "revoked")
        #expect(try await t.refill(agent, second, user: "nobody").result == "revoked")
        #expect(try await t.refill(agent, second).result == "refilled")
        #expect(t.trail().contains("offline.refill success"))
        await #expect(throws: LifelineError.self) { _ = try await t.refill(agent, "short") }
    }

    @Test func aPolicyChangeEndsTheDataAndTheRefillIsRefused() async throws {
        let t = try OfflineHarness()
        try await t.seed()
        let (_, agent) = try await t.agent()
        let token = try #require(try await t.authenticate(agent, t.h.totp()).refillToken)
        try await t.apply(offline: #"{"enabled": true, "min_passcode_length": 6, "days": 3}"#)
        #expect(try await t.service.grants(tenantName: "demo", username: "alice", caller: t.op()).map(\.state) == ["policy_changed"])
        #expect(t.trail().contains("offline.policy_revoke success"))
        #expect(try await t.refill(agent, token).result == "revoked")
        // The same policy applied again ends nothing more (and new data follows at the next authentication).
        t.h.clock.advance(by: 30)
        #expect(try await t.authenticate(agent, t.h.totp()).offline?.steps == 3 * 2880)
        try await t.apply(offline: #"{"enabled": true, "min_passcode_length": 6, "days": 3}"#)
        #expect(try await t.service.grants(tenantName: "demo", username: "alice", caller: t.op()).first?.state == "live")
    }

    @Test func aTokenChangeEndsTheDataAtTheNextRefill() async throws {
        let t = try OfflineHarness()
        let tokenID = try await t.seed()
        let (_, agent) = try await t.agent()
        let token = try #require(try await t.authenticate(agent, t.h.totp()).refillToken)
        _ = try await t.h.admin.setTokenPIN(tenantName: "demo", id: tokenID, pin: "3817", caller: .cli)
        #expect(try await t.refill(agent, token) == OfflineWire.AuthenticateResponse(result: "revoked", offlineReason: "token_changed"))
        #expect(try await t.service.grants(tenantName: "demo", username: "alice", caller: t.op()).first?.state == "token_changed")
        // Disabled (lost) then re-enabled: also a change.
        t.h.clock.advance(by: 30)
        let again = try #require(try await t.authenticate(agent, "3817" + t.h.totp()).refillToken)
        _ = try await t.h.admin.changeTokenState(tenantName: "demo", id: tokenID, .disable, caller: .cli)
        #expect(try await t.refill(agent, again).offlineReason == "token_changed")
    }

    @Test func revokingTheAgentEndsItsGrantsAndRefusesItsCalls() async throws {
        let t = try OfflineHarness()
        try await t.seed()
        let (registered, agent) = try await t.agent()
        let token = try #require(try await t.authenticate(agent, t.h.totp()).refillToken)
        try await t.service.revokeAgent(tenantName: "demo", agentID: registered.agent.id, caller: .cli)
        #expect(try await t.service.grants(tenantName: "demo", username: "alice", caller: t.op()).first?.state == "agent_revoked")
        await #expect(throws: LifelineError.self) { _ = try await t.refill(agent, token) }
    }

    @Test func anOperatorRevokesAUsersData() async throws {
        let t = try OfflineHarness()
        try await t.seed()
        let (_, agent) = try await t.agent()
        let token = try #require(try await t.authenticate(agent, t.h.totp()).refillToken)
        await #expect(throws: LifelineError.self) { _ = try await t.service.revokeGrants(tenantName: "demo", username: "alice", caller: t.op(.auditor)) }
        #expect(try await t.service.revokeGrants(tenantName: "demo", username: "alice", caller: .cli) == 1)
        #expect(try await t.refill(agent, token).result == "revoked")
    }

    @Test func ofConcurrentRefillsWithOneTokenExactlyOneSucceeds() async throws {
        let t = try OfflineHarness()
        try await t.seed()
        let (_, agent) = try await t.agent()
        let token = try #require(try await t.authenticate(agent, t.h.totp()).refillToken)
        let results = try await withThrowingTaskGroup(of: String.self) { group in
            for _ in 0..<8 { group.addTask { try await t.refill(agent, token).result } }
            return try await group.reduce(into: [String]()) { $0.append($1) }
        }
        #expect(results.filter { $0 == "refilled" }.count == 1)
        #expect(results.filter { $0 == "revoked" }.count == 7)
    }

    @Test func aPolicyStoredWithoutTheApplyPathStillEndsTheDataAtTheRefill() async throws {
        let t = try OfflineHarness()
        try await t.seed()
        let (_, agent) = try await t.agent()
        let token = try #require(try await t.authenticate(agent, t.h.totp()).refillToken)
        // As if the process stopped between storing the configuration and ending the grants.
        let tenant = try await t.h.admin.tenant("demo", caller: .cli)
        var config = try await t.h.admin.recoveryConfig(tenantName: "demo", caller: .cli)
        config.offline.days = 2
        let record = AuditRecord(time: t.h.clock.now(), tenant: "demo", actor: "test", subject: "demo", event: "recovery.configure",
                                 outcome: "success", reason: "", source: "")
        _ = try await t.h.store.putRecoveryConfig(tenantID: tenant.id, config: config, audit: record)
        #expect(try await t.refill(agent, token) == OfflineWire.AuthenticateResponse(result: "revoked", offlineReason: "policy_changed"))
    }

    @Test func theBuilderMakesFourteenDaysOfThirtySecondSteps() throws {
        let builder = OfflineDataBuilder(random: CSPRNG())
        let secret = ServiceHarness.secret
        let window = builder.build(secret: secret, algorithm: .sha1, digits: 6, drift: 2, pin: nil, firstStep: 60_000_000, steps: 40_320)
        #expect(window.salt.count == 32)
        #expect(window.tags.count == 40_320 * OfflineConstruction.tagBytes)
        // Base64 of the tags: within the 1 MB download budget.
        #expect(Data(window.tags).base64EncodedString().utf8.count < 1_000_000)
        // The drift is applied: at step t the token shows the code of counter t + 2.
        let step: Int64 = 60_000_000 + 40_000
        let i = 40_000 * OfflineConstruction.tagBytes
        #expect(OfflineConstruction.matches(expected: Array(window.tags[i..<i + 5]), salt: window.salt, step: step,
                                            passcode: OfflineHarness.code(step + 2), hiddenBits: OfflineConstruction.hiddenBits))
    }

    /// A "random" source that counts, so that the builder's hidden values and salt are known.
    struct CountingRandom: RandomSource {
        func bytes(_ count: Int) -> [UInt8] { (0..<count).map { UInt8(truncatingIfNeeded: $0 &* 7 &+ 3) } }
    }

    @Test("the builder's fast path writes the same tags as the construction's reference function, with and without a PIN",
          arguments: [(6, nil as String?), (8, "4321"), (6, "0000000")])
    func theBuilderMatchesTheReferenceTags(digits: Int, pin: String?) throws {
        let secret = ServiceHarness.secret
        let first: Int64 = 59_123_456
        let window = OfflineDataBuilder(random: CountingRandom()).build(secret: secret, algorithm: .sha1, digits: digits, drift: -1,
                                                                        pin: pin, firstStep: first, steps: 300)
        // Each call of the counting source starts again: the salt is its first 32 bytes, the hidden values its first 600.
        let hidden = CountingRandom().bytes(2 * 300)
        #expect(window.salt == CountingRandom().bytes(OfflineConstruction.saltBytes))
        for i in 0..<300 {
            let step = first + Int64(i)
            let code = HOTP.code(secret: secret, counter: UInt64(step - 1), digits: digits, algorithm: .sha1)
            let r = UInt32(hidden[2 * i]) << 8 | UInt32(hidden[2 * i + 1])
            let expected = OfflineConstruction.tag(salt: window.salt, step: step, passcode: (pin ?? "") + code, hidden: r)
            #expect(Array(window.tags[i * 5..<i * 5 + 5]) == expected, "step \(i)")
        }
    }
}
