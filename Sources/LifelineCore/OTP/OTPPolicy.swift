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
    /// Failed attempts before a token locks. Why 10: NIST SP 800-63B §5.2.2 requires a limit of at most 100;
    /// with ±1 window and 6 digits, 10 tries give an attacker a 3·10^-5 chance before lockout.
    public var maxFail: Int = 10

    public init() {}
}
