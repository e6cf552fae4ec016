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
        guard code.utf8.count == token.digits else { return .reject }
        let codeBytes = Array(code.utf8)
        let (low, high, now) = acceptingRange(token: token, unixTime: unixTime)
        var matched: Int64? = nil
        var step = low
        let keyed = OTPKeyedMAC(algorithm: token.algorithm, key: secret)
        while step <= high {
            let candidate = HOTP.code(mac: keyed, counter: UInt64(bitPattern: step), digits: token.digits)
            if ConstantTime.equals(Array(candidate.utf8), codeBytes), matched == nil { matched = step }
            step += 1
        }
        if let matched {
            // Why: each code is single-use (NIST SP 800-63B §5.1.4.2 / §5.1.5.2); a step at or below the last
            // accepted one has been used, or is older than one that was.
            if let last = token.lastUsed, matched <= last { return .replay }
            return .accept(step: matched, drift: token.type == .totp ? matched - now : 0)
        }
        if matchesInDriftWindow(codeBytes: codeBytes, token: token, secret: secret, unixTime: unixTime) {
            return .resyncNeeded
        }
        return .reject
    }

    /// Resynchronises with two consecutive codes; returns the step of `code2` and the drift to store, or nil.
    public func resync(code1: String, code2: String, token: Token, secret: [UInt8], unixTime: Int64) -> (step: Int64, drift: Int64)? {
        guard code1.utf8.count == token.digits, code2.utf8.count == token.digits else { return nil }
        let low: Int64, high: Int64, now: Int64
        switch token.type {
        case .totp:
            now = HOTP.timeStep(unixTime: unixTime, period: token.period ?? 30)
            low = now - policy.totpSyncWindow
            high = now + policy.totpSyncWindow
        case .hotp:
            now = 0
            low = token.counter
            high = token.counter + policy.hotpSyncWindow
        }
        var step = max(low, 0)
        var previousMatched = false
        let keyed = OTPKeyedMAC(algorithm: token.algorithm, key: secret)
        while step <= high + 1 {
            let candidate = HOTP.code(mac: keyed, counter: UInt64(step), digits: token.digits)
            if previousMatched, ConstantTime.equals(candidate, code2) {
                // Why: the second code must be newer than anything accepted, or two old codes could be replayed.
                if let last = token.lastUsed, step <= last { return nil }
                return (step, token.type == .totp ? step - now : 0)
            }
            previousMatched = ConstantTime.equals(candidate, code1)
            step += 1
        }
        return nil
    }

    /// The first and last step of the accepting window and the current step (0 for HOTP).
    func acceptingRange(token: Token, unixTime: Int64) -> (Int64, Int64, Int64) {
        switch token.type {
        case .totp:
            let now = HOTP.timeStep(unixTime: unixTime, period: token.period ?? 30)
            let centre = now + token.drift
            return (max(centre - policy.totpWindow, 0), centre + policy.totpWindow, now)
        case .hotp:
            return (token.counter, token.counter + policy.hotpLookahead, 0)
        }
    }

    private func matchesInDriftWindow(codeBytes: [UInt8], token: Token, secret: [UInt8], unixTime: Int64) -> Bool {
        let low: Int64, high: Int64
        switch token.type {
        case .totp:
            let centre = HOTP.timeStep(unixTime: unixTime, period: token.period ?? 30) + token.drift
            low = max(centre - policy.totpDriftWindow, 0); high = centre + policy.totpDriftWindow
        case .hotp:
            low = token.counter; high = token.counter + policy.hotpDriftWindow
        }
        var found = false
        var step = low
        let keyed = OTPKeyedMAC(algorithm: token.algorithm, key: secret)
        while step <= high {
            let candidate = HOTP.code(mac: keyed, counter: UInt64(step), digits: token.digits)
            // A drift-window hit on an already used step is not a resync hint: it is an old code.
            if ConstantTime.equals(Array(candidate.utf8), codeBytes), token.lastUsed.map({ step > $0 }) ?? true { found = true }
            step += 1
        }
        return found
    }
}
