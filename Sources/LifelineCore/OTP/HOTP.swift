/// The HOTP algorithm of RFC 4226 (and, with a time step as counter, TOTP of RFC 6238).
///
/// Pure and allocation-light: it is called for every candidate step of every validation.
public enum HOTP {
    private static let powersOfTen: [UInt32] = [1, 10, 100, 1_000, 10_000, 100_000, 1_000_000, 10_000_000, 100_000_000]

    /// The `digits`-long decimal code for `counter`, zero-padded (RFC 4226 §5.3, dynamic truncation).
    public static func code(secret: [UInt8], counter: UInt64, digits: Int, algorithm: OTPAlgorithm) -> String {
        code(mac: OTPKeyedMAC(algorithm: algorithm, key: secret), counter: counter, digits: digits)
    }

    /// The code for `counter` under a key prepared once for several counters (a validation's window).
    public static func code(mac keyed: OTPKeyedMAC, counter: UInt64, digits: Int) -> String {
        precondition((6...8).contains(digits), "digits must be 6...8")
        let binary = keyed.truncated(counter: counter)
        let value = binary % powersOfTen[digits]
        var text = String(value)
        if text.count < digits { text = String(repeating: "0", count: digits - text.count) + text }
        return text
    }

    /// The RFC 6238 time step of `unixTime` for a `period`-second token (T0 = 0).
    public static func timeStep(unixTime: Int64, period: Int) -> Int64 {
        // Floor division, so instants before 1970 (never expected) still map to the right step. Written with
        // quotientAndRemainder so that no time, Int64.min included, overflows; a period below 1 (callers refuse it)
        // is read as 1 rather than dividing by zero.
        let (q, r) = unixTime.quotientAndRemainder(dividingBy: Int64(max(period, 1)))
        return r < 0 ? q - 1 : q
    }
}
