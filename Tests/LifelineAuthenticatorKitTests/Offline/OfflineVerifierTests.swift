import Foundation
import Testing
@testable import LifelineAuthenticatorKit

/// The laptop's verifier rules (``OfflineVerifier``) on data with 4 hidden bits, and once at the real 16.
@Suite struct OfflineVerifierTests {
    typealias F = OfflineFixture
    let t = F.firstStep + 10

    func verify(_ entry: AgentUserState, _ passcode: String, at step: Int64) -> (OfflineVerification, AgentUserState?) {
        OfflineVerifier.verify(entry, passcode: passcode, now: F.time(step))
    }

    @Test func acceptsTheCurrentStepAndRecordsIt() throws {
        let (outcome, next) = verify(F.entry(), F.tokencode(t), at: t)
        #expect(outcome == .accepted(step: t))
        #expect(next?.lastStep == t && next?.failures == 0)
    }

    @Test func realHiddenBits() {
        let entry = F.entry(F.data(hiddenBits: 16, steps: 12))
        #expect(verify(entry, F.tokencode(t), at: t).0 == .accepted(step: t))
        #expect(verify(entry, F.tokencode(t + 1), at: t - 3).0 == .rejected)
    }

    @Test func clockWindowIsOneStepEitherSide() {
        let entry = F.entry()
        #expect(verify(entry, F.tokencode(t - 1), at: t).0 == .accepted(step: t - 1))
        #expect(verify(entry, F.tokencode(t + 1), at: t).0 == .accepted(step: t + 1))
        #expect(verify(entry, F.tokencode(t + 2), at: t).0 == .rejected)
        #expect(verify(entry, F.tokencode(t - 2), at: t).0 == .rejected)
    }

    @Test func replayedOrEarlierStepsAreRefused() throws {
        let (_, after) = verify(F.entry(), F.tokencode(t), at: t)
        let entry = try #require(after)
        #expect(verify(entry, F.tokencode(t), at: t).0 == .rejected, "the same step again")
        #expect(verify(entry, F.tokencode(t - 1), at: t).0 == .rejected, "a step below the last accepted")
        #expect(verify(entry, F.tokencode(t + 1), at: t).0 == .accepted(step: t + 1), "the next step")
        // The first step of fresh data is usable, the one before it (the code typed online) is not in the data.
        #expect(verify(F.entry(), F.tokencode(F.firstStep), at: F.firstStep).0 == .accepted(step: F.firstStep))
        #expect(verify(F.entry(), F.tokencode(F.firstStep - 1), at: F.firstStep).0 == .rejected)
    }

    @Test func expiredOrNotYetValidDataVerifiesNothingAndCountsNothing() {
        let entry = F.entry(F.data(emergencyUntil: F.start + 10_000_000))
        let last = F.firstStep + Int64(F.steps) - 1
        #expect(verify(entry, F.tokencode(last), at: last).0 == .accepted(step: last))
        let late = OfflineVerifier.verify(entry, passcode: F.tokencode(last), now: entry.data.expiresAt + 1)
        #expect(late.0 == .expired && late.1 == entry)
        #expect(OfflineVerifier.verify(entry, passcode: F.emergencyPasscode, now: entry.data.expiresAt + 1).0 == .expired,
                "the emergency codes ride on the data")
        let early = verify(entry, F.tokencode(F.firstStep), at: F.firstStep - 2)
        #expect(early.0 == .expired && early.1 == entry)
        #expect(verify(entry, F.tokencode(F.firstStep), at: F.firstStep - 1).0 == .accepted(step: F.firstStep), "clock one step behind")
    }

    @Test func shapeIsChecked() {
        let entry = F.entry()
        let code = F.tokencode(t)
        for wrong in [String(code.dropLast()), code + "0", "12a456", "", "4711" + code] {
            let (outcome, next) = verify(entry, wrong, at: t)
            #expect(outcome == .rejected && next?.failures == 1, "\(wrong)")
        }
        #expect(verify(entry, " \(code)\n", at: t).0 == .accepted(step: t), "surrounding white space is ignored")
        #expect(OfflineVerifier.isTokencodeShaped("12345678", data: F.data(digits: 8)))
        #expect(!OfflineVerifier.isTokencodeShaped("123456", data: F.data(digits: 8)))
    }

    @Test func pinIsThePrefixBeforeTheLastDigits() {
        let entry = F.entry(F.data(pin: "4711"))
        #expect(verify(entry, "4711" + F.tokencode(t), at: t).0 == .accepted(step: t))
        #expect(verify(entry, F.tokencode(t), at: t).0 == .rejected, "tokencode without the PIN")
        #expect(verify(entry, "4712" + F.tokencode(t), at: t).0 == .rejected, "wrong PIN")
        #expect(verify(entry, "47110" + F.tokencode(t), at: t).0 == .rejected, "longer wrong PIN")
        let longPIN = F.entry(F.data(pin: "12345678", digits: 8))
        #expect(verify(longPIN, "12345678" + F.tokencode(t, digits: 8), at: t).0 == .accepted(step: t))
    }

    @Test func emergencyKindsWithoutPIN() throws {
        let entry = F.entry(F.data(emergencyUntil: F.start + 3600))
        #expect(verify(entry, F.emergencyTokencode, at: t).0 == .acceptedEmergency(.tokencode))
        #expect(verify(entry, "abcdefghjkmnpqrs", at: t).0 == .acceptedEmergency(.tokencode), "lower case, no dashes")
        #expect(verify(entry, "ABCD EFGH JKMN PQRS", at: t).0 == .acceptedEmergency(.tokencode), "spaces")
        #expect(verify(entry, F.emergencyPasscode, at: t).0 == .acceptedEmergency(.passcode))
        #expect(verify(entry, "ABCD-EFGH-JKMN-PQRT", at: t).0 == .rejected)
        #expect(verify(entry, "4711" + F.emergencyTokencode, at: t).0 == .rejected, "no PIN on an app token")
        // Not replay-limited: the same code again, and a tokencode step after it.
        let (_, after) = verify(entry, F.emergencyTokencode, at: t)
        let again = try #require(after)
        #expect(verify(again, F.emergencyTokencode, at: t).0 == .acceptedEmergency(.tokencode))
        #expect(again.lastStep == entry.lastStep)
    }

    @Test func emergencyKindsWithPIN() {
        let entry = F.entry(F.data(pin: "4711", emergencyUntil: F.start + 3600))
        #expect(verify(entry, "4711" + F.emergencyTokencode, at: t).0 == .acceptedEmergency(.tokencode))
        #expect(verify(entry, "4711 " + F.emergencyTokencode, at: t).0 == .acceptedEmergency(.tokencode))
        #expect(verify(entry, F.emergencyTokencode, at: t).0 == .rejected, "the tokencode kind needs the PIN")
        #expect(verify(entry, "4712" + F.emergencyTokencode, at: t).0 == .rejected, "wrong PIN")
        #expect(verify(entry, F.emergencyPasscode, at: t).0 == .acceptedEmergency(.passcode), "the passcode kind replaces the PIN")
        #expect(verify(entry, "4711" + F.emergencyPasscode, at: t).0 == .rejected, "the passcode kind is typed alone")
    }

    @Test func emergencyCodesExpire() {
        let until = F.time(t) + 60
        let entry = F.entry(F.data(emergencyUntil: until))
        #expect(OfflineVerifier.verify(entry, passcode: F.emergencyPasscode, now: until).0 == .acceptedEmergency(.passcode))
        #expect(OfflineVerifier.verify(entry, passcode: F.emergencyPasscode, now: until + 1).0 == .rejected)
        #expect(OfflineVerifier.verify(entry, passcode: F.tokencode(t + 2), now: until + 1).0 == .accepted(step: t + 2), "the data goes on")
        #expect(verify(F.entry(), F.emergencyPasscode, at: t).0 == .rejected, "no emergency data")
    }

    @Test func failureCapWipesAndSuccessResets() throws {
        var entry = F.entry(F.data(maxFailures: 3))
        for expected in 1...2 {
            let (outcome, next) = verify(entry, "000000", at: t)
            #expect(outcome == .rejected)
            entry = try #require(next)
            #expect(entry.failures == expected)
        }
        let (accepted, reset) = verify(entry, F.tokencode(t), at: t)
        #expect(accepted == .accepted(step: t) && reset?.failures == 0)
        entry = try #require(reset)
        for _ in 1...2 { entry = try #require(verify(entry, "000000", at: t).1) }
        let (outcome, wiped) = verify(entry, F.tokencode(t + 1), at: t + 1)
        #expect(outcome == .accepted(step: t + 1) && wiped?.failures == 0, "the right code before the cap still works")
        entry = try #require(wiped)
        for _ in 1...2 { entry = try #require(verify(entry, "000000", at: t + 1).1) }
        let last = verify(entry, "000000", at: t + 1)
        #expect(last.0 == .wiped && last.1 == nil)
    }
}
