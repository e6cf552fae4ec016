import Foundation

/// Normalizes and masks phone numbers and email addresses for the verification steps.
public enum ContactFormat {
    /// E.164 form of a typed number: spaces, dashes, dots and brackets removed, `00` read as `+`, and
    /// `defaultCountryCode` (`+47`) put in front of a number without one (dropping a trunk `0`).
    /// Returns nil for anything that is not 8–15 digits after the `+`.
    public static func normalizePhone(_ typed: String, defaultCountryCode: String) -> String? {
        var s = typed.filter { !" -.()/\u{a0}".contains($0) }
        if s.hasPrefix("00") { s = "+" + s.dropFirst(2) }
        if !s.hasPrefix("+") {
            if s.hasPrefix("0") { s.removeFirst() }
            s = defaultCountryCode + s
        }
        let digits = s.dropFirst()
        guard (8...15).contains(digits.count), digits.allSatisfy({ $0.isASCII && $0.isNumber }) else { return nil }
        return s
    }

    /// The ITU country code of an E.164 number (`+420…` → `+420`), from the E.164 assignment rules: 1 and 7 are
    /// one digit, the listed two-digit codes are two, all others three.
    public static func countryCode(_ e164: String) -> String {
        let d = Array(e164.dropFirst())
        guard let first = d.first else { return "+" }
        if first == "1" || first == "7" { return "+" + String(first) }
        let two: Set<String> = ["20", "27", "30", "31", "32", "33", "34", "36", "39", "40", "41", "43", "44", "45", "46", "47", "48", "49",
                                "51", "52", "53", "54", "55", "56", "57", "58", "60", "61", "62", "63", "64", "65", "66", "81", "82", "84",
                                "86", "90", "91", "92", "93", "94", "95", "98"]
        if d.count >= 2, two.contains(String(d[0...1])) { return "+" + String(d[0...1]) }
        return "+" + String(d.prefix(3))
    }

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

    /// A normalized email address (trimmed, domain lower-cased), or nil when it is not `local@domain.tld`.
    public static func normalizeEmail(_ typed: String) -> String? {
        let t = typed.trimmingCharacters(in: .whitespaces)
        let parts = t.split(separator: "@", omittingEmptySubsequences: false)
        guard parts.count == 2, !parts[0].isEmpty, parts[1].contains("."), !parts[1].hasPrefix("."), !parts[1].hasSuffix("."),
              t.count <= 254, !t.contains(where: { $0.isWhitespace }) else { return nil }
        // Why lower-case only the domain: local parts may be case-sensitive (RFC 5321), but practically never
        // are; matching compares case-insensitively instead, see `sameEmail`.
        return parts[0] + "@" + parts[1].lowercased()
    }

    /// Whether two addresses are the same mailbox for matching purposes (case-insensitive).
    public static func sameEmail(_ a: String, _ b: String) -> Bool {
        ConstantTime.equals(a.lowercased(), b.lowercased())
    }
}
