/// The windows and limits of OTP verification. Every default has its reason next to it.
public struct OTPPolicy: Sendable, Equatable {
    /// TOTP steps accepted on each side of the stored drift. Why ±1: it absorbs network and typing delay
    /// (RFC 6238 §5.2 recommends at most one step) while keeping an online guess's odds at 3 in 10^digits.
    public var totpWindow: Int64 = 1
    /// HOTP counters looked ahead of the expected one. Why 10: a user may press the button a few times
    /// without logging in (RFC 4226 §7.4 "look-ahead window"); larger windows weaken guessing resistance.
    public var hotpLookahead: Int64 = 10
    /// TOTP steps around the drift in which a matching code means "clock drifted, resync needed" rather than
    /// a plain wrong code. It never authenticates: a code this far off is what a guesser hits most often.
    public var totpDriftWindow: Int64 = 10
    /// HOTP counters ahead in which a match means "resync needed".
    public var hotpDriftWindow: Int64 = 100
    /// TOTP steps searched (each side) when resyncing with two consecutive codes. Two consecutive matches
    /// have odds of about 200/10^12 for random input, so a wide search stays safe.
    public var totpSyncWindow: Int64 = 100
    /// HOTP counters searched ahead when resyncing with two consecutive codes.
    public var hotpSyncWindow: Int64 = 1000
    /// Consecutive failed codes at which a token locks (an administrator or the user's `unlock-authenticator` recovery
    /// action unlocks it). Why 100: NIST SP 800-63B-4 §3.2.2 allows at most 100 consecutive failures; the growing delay
    /// below does the real limiting, so a lock comes late, and an anonymous caller who can type a username needs
    /// about four days of throttled guessing (docs/configuration.md) to lock anyone out, not ten requests.
    public var maxFail: Int = 100
    /// The largest `maxFail` accepted (NIST SP 800-63B-4 §3.2.2).
    public static let maxFailLimit = 100
    /// Consecutive failures after which each further failure throttles the token.
    public var throttleAfter: Int = 3
    /// Seconds of the first throttle; each further consecutive failure doubles it.
    public var throttleBase: Int = 30
    /// The longest throttle, in seconds.
    public var throttleMax: Int = 3_600

    /// The seconds a token is throttled after its `failures`-th consecutive failure: none before `throttleAfter`, then
    /// `throttleBase · 2^(failures − throttleAfter)`, capped at `throttleMax`. Why a delay and not a lock: a lock that
    /// anyone can trigger by typing a username is a denial of service; a delay bounds guessing (at most one guess per
    /// `throttleMax` once capped) and ends by itself. Computed without overflow for any count.
    public func throttleDelay(afterFailures failures: Int) -> Int? {
        guard failures >= throttleAfter else { return nil }
        let doublings = failures - throttleAfter
        let base = max(throttleBase, 1), cap = max(throttleMax, base)
        // base ≤ 86 400 < 2^17, so base << 40 cannot overflow; any doubling past that is far above the cap anyway.
        guard doublings < 40 else { return cap }
        return min(base << doublings, cap)
    }

    public init() {}
}
