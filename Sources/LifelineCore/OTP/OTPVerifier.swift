/// The outcome of checking one code against one token, before anything is stored.
public enum OTPMatch: Sendable, Equatable {
    /// The code matches `step` (TOTP step or HOTP counter) inside the accepting window; storing it is still
    /// subject to the atomic single-use update. `drift` is the TOTP offset to store (0 for HOTP).
    case accept(step: Int64, drift: Int64)
    /// The code matched an already used step: a replay.
    case replay
    /// The code matched only in the wider drift window: it does not authenticate.
    case resyncNeeded
    /// No match.
    case reject
}

/// Pure OTP verification rules (no storage, no clock: the current Unix time is an argument).
public struct OTPVerifier: Sendable {
    public var policy: OTPPolicy
    public init(policy: OTPPolicy = OTPPolicy()) { self.policy = policy }

    /// Checks `code` against `token` with `secret` at `unixTime`.
    ///
    /// Every candidate in the accepting window is computed and compared in constant time, without an early
    /// exit, so the time taken does not reveal which step matched.
    public func check(code: String, token: Token, secret: [UInt8], unixTime: Int64) -> OTPMatch {
        guard (6...8).contains(token.digits), code.utf8.count == token.digits,
              let (low, high, now) = acceptingRange(token: token, unixTime: unixTime) else { return .reject }
        let codeBytes = Array(code.utf8)
        var matched: Int64? = nil
        let keyed = OTPKeyedMAC(algorithm: token.algorithm, key: secret)
        for step in low...high {
            let candidate = HOTP.code(mac: keyed, counter: UInt64(bitPattern: step), digits: token.digits)
            if ConstantTime.equals(Array(candidate.utf8), codeBytes), matched == nil { matched = step }
        }
        if let matched {
            // Why: each code is single-use (NIST SP 800-63B §5.1.4.2 / §5.1.5.2); a step at or below the last
            // accepted one has been used, or is older than one that was.
            if let last = token.lastUsed, matched <= last { return .replay }
            guard let drift = Self.drift(of: matched, now: now, token: token) else { return .reject }
            return .accept(step: matched, drift: drift)
        }
        if matchesInDriftWindow(codeBytes: codeBytes, token: token, secret: secret, unixTime: unixTime) {
            return .resyncNeeded
        }
        return .reject
    }

    /// Resynchronises with two consecutive codes; returns the step of `code2` and the drift to store, or nil.
    public func resync(code1: String, code2: String, token: Token, secret: [UInt8], unixTime: Int64) -> (step: Int64, drift: Int64)? {
        guard (6...8).contains(token.digits), code1.utf8.count == token.digits, code2.utf8.count == token.digits else { return nil }
        let window: ClosedRange<Int64>, now: Int64
        switch token.type {
        case .totp:
            guard let n = Self.timeStep(token: token, unixTime: unixTime),
                  let w = Self.window(around: n, before: policy.totpSyncWindow, after: policy.totpSyncWindow + 1) else { return nil }
            (window, now) = (w, n)
        case .hotp:
            guard let w = Self.window(around: token.counter, before: 0, after: policy.hotpSyncWindow + 1) else { return nil }
            (window, now) = (w, 0)
        }
        var previousMatched = false
        let keyed = OTPKeyedMAC(algorithm: token.algorithm, key: secret)
        for step in window {
            let candidate = HOTP.code(mac: keyed, counter: UInt64(step), digits: token.digits)
            if previousMatched, ConstantTime.equals(candidate, code2) {
                // Why: the second code must be newer than anything accepted, or two old codes could be replayed.
                if let last = token.lastUsed, step <= last { return nil }
                guard let drift = Self.drift(of: step, now: now, token: token) else { return nil }
                return (step, drift)
            }
            previousMatched = ConstantTime.equals(candidate, code1)
        }
        return nil
    }

    /// The highest step a window reaches: the store then writes `counter = step + 1`, which must not overflow.
    static let maxStep = Int64.max - 1

    /// `centre - before … centre + after`, cut at 0 below; nil when it leaves `0...maxStep`, which only a stored value
    /// no enrolment writes (a row edited by hand, a broken clock) can cause. Why nil and not a trap: Swift traps on
    /// integer overflow and a trap ends the whole server, so such a token simply matches nothing.
    static func window(around centre: Int64, before: Int64, after: Int64) -> ClosedRange<Int64>? {
        let (low, lowOverflow) = centre.subtractingReportingOverflow(before)
        let (high, highOverflow) = centre.addingReportingOverflow(after)
        guard !lowOverflow, !highOverflow, high >= 0, high <= maxStep else { return nil }
        return max(low, 0)...high
    }

    /// The current TOTP step of `token`, or nil when its stored period is not a positive number of seconds.
    static func timeStep(token: Token, unixTime: Int64) -> Int64? {
        let period = token.period ?? 30
        guard period > 0 else { return nil }
        return HOTP.timeStep(unixTime: unixTime, period: period)
    }

    /// The current step plus the token's stored drift, or nil when that leaves Int64.
    static func centre(token: Token, unixTime: Int64) -> (now: Int64, centre: Int64)? {
        guard let now = timeStep(token: token, unixTime: unixTime) else { return nil }
        let (centre, overflow) = now.addingReportingOverflow(token.drift)
        return overflow ? nil : (now, centre)
    }

    /// The drift to store for an accepted TOTP `step` (0 for HOTP), or nil when it does not fit.
    static func drift(of step: Int64, now: Int64, token: Token) -> Int64? {
        guard token.type == .totp else { return 0 }
        let (drift, overflow) = step.subtractingReportingOverflow(now)
        return overflow ? nil : drift
    }

    /// The first and last step of the accepting window and the current step (0 for HOTP); nil when stored values put
    /// the window outside the steps a code can have (see ``window(around:before:after:)``).
    func acceptingRange(token: Token, unixTime: Int64) -> (Int64, Int64, Int64)? {
        switch token.type {
        case .totp:
            guard let (now, centre) = Self.centre(token: token, unixTime: unixTime),
                  let w = Self.window(around: centre, before: policy.totpWindow, after: policy.totpWindow) else { return nil }
            return (w.lowerBound, w.upperBound, now)
        case .hotp:
            guard let w = Self.window(around: token.counter, before: 0, after: policy.hotpLookahead) else { return nil }
            return (w.lowerBound, w.upperBound, 0)
        }
    }

    private func matchesInDriftWindow(codeBytes: [UInt8], token: Token, secret: [UInt8], unixTime: Int64) -> Bool {
        let window: ClosedRange<Int64>?
        switch token.type {
        case .totp:
            window = Self.centre(token: token, unixTime: unixTime).flatMap {
                Self.window(around: $0.centre, before: policy.totpDriftWindow, after: policy.totpDriftWindow)
            }
        case .hotp:
            window = Self.window(around: token.counter, before: 0, after: policy.hotpDriftWindow)
        }
        guard let window else { return false }
        var found = false
        let keyed = OTPKeyedMAC(algorithm: token.algorithm, key: secret)
        for step in window {
            let candidate = HOTP.code(mac: keyed, counter: UInt64(step), digits: token.digits)
            // A drift-window hit on an already used step is not a resync hint: it is an old code.
            if ConstantTime.equals(Array(candidate.utf8), codeBytes), token.lastUsed.map({ step > $0 }) ?? true { found = true }
        }
        return found
    }
}
