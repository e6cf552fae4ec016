import Foundation
import LifelineCore
import Testing

/// Tables for the OTP rules: window, drift window, resync, replay.
@Suite struct OTPVerifierTests {
    static let secret = Array("12345678901234567890".utf8)
    static let now: Int64 = 1_700_000_000
    static let nowStep = HOTP.timeStep(unixTime: now, period: 30)

    static func totp(drift: Int64 = 0, lastUsed: Int64? = nil) -> Token {
        Token(id: UUID(), tenantID: UUID(), userID: UUID(), type: .totp, algorithm: .sha1, digits: 6, period: 30,
              drift: drift, lastUsed: lastUsed, createdAt: Date())
    }

    static func hotp(counter: Int64, lastUsed: Int64? = nil) -> Token {
        Token(id: UUID(), tenantID: UUID(), userID: UUID(), type: .hotp, algorithm: .sha1, digits: 6, period: nil,
              counter: counter, lastUsed: lastUsed, createdAt: Date())
    }

    static func code(_ step: Int64) -> String { HOTP.code(secret: secret, counter: UInt64(step), digits: 6, algorithm: .sha1) }

    /// (offset of the code's step from now, stored drift, expected outcome)
    static let totpTable: [(Int64, Int64, String)] = [
        (0, 0, "accept"), (-1, 0, "accept"), (1, 0, "accept"),
        (2, 0, "resync"), (-2, 0, "resync"), (10, 0, "resync"), (-10, 0, "resync"),
        (11, 0, "reject"), (-11, 0, "reject"), (40, 0, "reject"),
        // With a stored drift of +5 the window moves: +4…+6 accept, 0 is only a drift hit.
        (5, 5, "accept"), (6, 5, "accept"), (4, 5, "accept"), (0, 5, "resync"), (15, 5, "resync"), (16, 5, "reject"),
    ]

    @Test(arguments: totpTable)
    func totpWindows(row: (Int64, Int64, String)) {
        let (offset, drift, expected) = row
        let result = OTPVerifier().check(code: Self.code(Self.nowStep + offset), token: Self.totp(drift: drift), secret: Self.secret, unixTime: Self.now)
        switch expected {
        case "accept": #expect(result == .accept(step: Self.nowStep + offset, drift: offset))
        case "resync": #expect(result == .resyncNeeded)
        default: #expect(result == .reject)
        }
    }

    @Test func totpReplayIsRejected() {
        let v = OTPVerifier()
        let token = Self.totp(lastUsed: Self.nowStep)
        #expect(v.check(code: Self.code(Self.nowStep), token: token, secret: Self.secret, unixTime: Self.now) == .replay)
        // An older code than the last accepted one is a replay too, even inside the window.
        #expect(v.check(code: Self.code(Self.nowStep - 1), token: token, secret: Self.secret, unixTime: Self.now) == .replay)
        #expect(v.check(code: Self.code(Self.nowStep + 1), token: token, secret: Self.secret, unixTime: Self.now) == .accept(step: Self.nowStep + 1, drift: 1))
    }

    @Test func wrongLengthIsRejected() {
        #expect(OTPVerifier().check(code: "1234567", token: Self.totp(), secret: Self.secret, unixTime: Self.now) == .reject)
    }

    @Test func configurableWindow() {
        var policy = OTPPolicy()
        policy.totpWindow = 0
        #expect(OTPVerifier(policy: policy).check(code: Self.code(Self.nowStep + 1), token: Self.totp(), secret: Self.secret, unixTime: Self.now) == .resyncNeeded)
        policy.totpDriftWindow = 0
        #expect(OTPVerifier(policy: policy).check(code: Self.code(Self.nowStep + 1), token: Self.totp(), secret: Self.secret, unixTime: Self.now) == .reject)
    }

    /// (counter of the code, stored counter, expected)
    static let hotpTable: [(Int64, Int64, String)] = [
        (5, 5, "accept"), (15, 5, "accept"), (16, 5, "resync"), (105, 5, "resync"), (106, 5, "reject"), (4, 5, "reject"),
    ]

    @Test(arguments: hotpTable)
    func hotpLookahead(row: (Int64, Int64, String)) {
        let (c, stored, expected) = row
        let result = OTPVerifier().check(code: Self.code(c), token: Self.hotp(counter: stored), secret: Self.secret, unixTime: 0)
        switch expected {
        case "accept": #expect(result == .accept(step: c, drift: 0))
        case "resync": #expect(result == .resyncNeeded)
        default: #expect(result == .reject)
        }
    }

    @Test func totpResyncWithTwoConsecutiveCodes() throws {
        let v = OTPVerifier()
        let far = Self.nowStep + 60
        let r = try #require(v.resync(code1: Self.code(far), code2: Self.code(far + 1), token: Self.totp(), secret: Self.secret, unixTime: Self.now))
        #expect(r.step == far + 1)
        #expect(r.drift == 61)
        // Not consecutive: refused.
        #expect(v.resync(code1: Self.code(far), code2: Self.code(far + 2), token: Self.totp(), secret: Self.secret, unixTime: Self.now) == nil)
        // Outside the sync window (±100): refused.
        #expect(v.resync(code1: Self.code(Self.nowStep + 150), code2: Self.code(Self.nowStep + 151), token: Self.totp(), secret: Self.secret, unixTime: Self.now) == nil)
        // Codes at or below the last accepted step: refused (no resync by replay).
        #expect(v.resync(code1: Self.code(far), code2: Self.code(far + 1), token: Self.totp(lastUsed: far + 1), secret: Self.secret, unixTime: Self.now) == nil)
    }

    @Test func hotpResync() throws {
        let v = OTPVerifier()
        let r = try #require(v.resync(code1: Self.code(500), code2: Self.code(501), token: Self.hotp(counter: 3), secret: Self.secret, unixTime: 0))
        #expect(r.step == 501)
        #expect(v.resync(code1: Self.code(1500), code2: Self.code(1501), token: Self.hotp(counter: 3), secret: Self.secret, unixTime: 0) == nil)
    }

    /// Stored values no enrolment writes (a row edited by hand, an older release): the verifier answers reject,
    /// never an overflow trap, a division by zero or a failed precondition (each of which kills the server).
    @Test func storedValuesAtTheEdgesRejectWithoutTrapping() {
        let v = OTPVerifier()
        for counter in [Int64.max, Int64.max - 5, 9_223_372_036_854_775_800, Int64.min, -1] {
            let token = Self.hotp(counter: counter)
            #expect(v.check(code: "123456", token: token, secret: Self.secret, unixTime: Self.now) == .reject, "counter \(counter)")
            #expect(v.resync(code1: "123456", code2: "654321", token: token, secret: Self.secret, unixTime: Self.now) == nil)
        }
        for drift in [Int64.max, Int64.min, Int64.max - 50, Int64.min + 50] {
            let token = Self.totp(drift: drift)
            #expect(v.check(code: "123456", token: token, secret: Self.secret, unixTime: Self.now) == .reject, "drift \(drift)")
            #expect(v.resync(code1: "123456", code2: "654321", token: token, secret: Self.secret, unixTime: Self.now) == nil)
        }
        for period in [0, -30, Int.min] {
            var token = Self.totp()
            token.period = period
            #expect(v.check(code: "123456", token: token, secret: Self.secret, unixTime: Self.now) == .reject, "period \(period)")
            #expect(v.resync(code1: "123456", code2: "654321", token: token, secret: Self.secret, unixTime: Self.now) == nil)
        }
        for digits in [0, 5, 9, 12, Int.max] {
            var token = Self.totp()
            token.digits = digits
            let code = String(repeating: "1", count: min(max(digits, 0), 12))
            #expect(v.check(code: code, token: token, secret: Self.secret, unixTime: Self.now) == .reject, "digits \(digits)")
            #expect(v.resync(code1: code, code2: code, token: token, secret: Self.secret, unixTime: Self.now) == nil)
        }
        // Unix times at the edges (a broken clock) neither.
        for time in [Int64.max, Int64.min] {
            #expect(v.check(code: "123456", token: Self.totp(drift: 5), secret: Self.secret, unixTime: time) == .reject)
        }
    }

    @Test func constantTimeEquals() {
        #expect(ConstantTime.equals("123456", "123456"))
        #expect(!ConstantTime.equals("123456", "123457"))
        #expect(!ConstantTime.equals("123456", "1234567"))
        #expect(!ConstantTime.equals("", "1"))
    }

    @Test func theThrottleDoublesFromTheThirdConsecutiveFailureAndIsCapped() {
        let p = OTPPolicy()
        #expect((1...12).map { p.throttleDelay(afterFailures: $0) } == [nil, nil, 30, 60, 120, 240, 480, 960, 1920, 3600, 3600, 3600])
        // No overflow trap for any count.
        #expect(p.throttleDelay(afterFailures: Int.max) == 3600)
        #expect(p.maxFail == 100 && OTPPolicy.maxFailLimit == 100)
    }
}
