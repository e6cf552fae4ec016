import Foundation

/// Normalizes and masks phone numbers and email addresses for the verification steps.
public enum ContactFormat {
    /// E.164 form of a typed number: what ``Validation/phoneE164(_:)`` accepts (spaces, dashes, dots, brackets,
    /// `00` for `+`), and also slashes and no-break spaces, with `defaultCountryCode` (`+47`) put in front of a
    /// number without one (dropping a trunk `0`). Returns nil for anything that is not a valid E.164 number.
    public static func normalizePhone(_ typed: String, defaultCountryCode: String) -> String? {
        var s = typed.filter { !" -.()/\u{a0}".contains($0) }
        if !s.hasPrefix("+"), !s.hasPrefix("00") {
            if s.hasPrefix("0") { s.removeFirst() }
            s = defaultCountryCode + s
        }
        return try? Validation.phoneE164(s)
    }

    /// The ITU country code of an E.164 number (`+420…` → `+420`), from the E.164 assignment rules: 1 and 7 are
    /// one digit, the listed two-digit codes are two, all others three.
    public static func countryCode(_ e164: String) -> String {
        let d = Array(e164.dropFirst())
        guard let first = d.first else { return "+" }
        if first == "1" || first == "7" { return "+" + String(first) }
        if d.count >= 2, twoDigitCountryCodes.contains(String(d[0...1])) { return "+" + String(d[0...1]) }
        return "+" + String(d.prefix(3))
    }

    /// The two-digit ITU country codes (without `+`); of the others, 1 and 7 are one digit and the rest three.
    public static let twoDigitCountryCodes: Set<String> = [
        "20", "27", "30", "31", "32", "33", "34", "36", "39", "40", "41", "43", "44", "45", "46", "47", "48", "49",
        "51", "52", "53", "54", "55", "56", "57", "58", "60", "61", "62", "63", "64", "65", "66", "81", "82", "84",
        "86", "90", "91", "92", "93", "94", "95", "98",
    ]

    /// `+420 *** *** 789`: the country code and the last three digits. Why a fixed-width mask: the number of
    /// hidden digits would tell numbers (and real from decoy entries) apart.
    public static func maskPhone(_ e164: String) -> String {
        "\(countryCode(e164)) *** *** \(e164.suffix(3))"
    }

    /// `a***@e***.com`: the first letter of the local part and of the domain, and the top-level domain.
    public static func maskEmail(_ address: String) -> String {
        let parts = address.split(separator: "@", maxSplits: 1)
        guard parts.count == 2, let l = parts[0].first, let d = parts[1].first else { return "***" }
        let tld = parts[1].split(separator: ".").last.map(String.init) ?? ""
        return "\(l)***@\(d)***.\(tld)"
    }

    /// A normalized email address (the rules of ``Validation/email(_:)``: trimmed, domain lower-cased — local parts
    /// may be case-sensitive under RFC 5321, so matching compares case-insensitively instead, see `sameEmail`),
    /// or nil when it is not `local@domain.tld`.
    public static func normalizeEmail(_ typed: String) -> String? {
        try? Validation.email(typed)
    }

    /// Whether two addresses are the same mailbox for matching purposes (case-insensitive).
    public static func sameEmail(_ a: String, _ b: String) -> Bool {
        ConstantTime.equals(a.lowercased(), b.lowercased())
    }
}
