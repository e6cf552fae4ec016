import Foundation

/// Input rules shared by the API and the CLI, so both refuse the same things with the same words.
public enum Validation {
    /// Tenant names: lowercase letters, digits and dashes, 1–63 characters, not starting with a dash
    /// (safe in URLs, file names and DNS labels).
    public static func tenantName(_ name: String) throws(LifelineError) -> String {
        let bytes = Array(name.utf8)
        guard (1...63).contains(bytes.count), bytes[0] != UInt8(ascii: "-"),
              bytes.allSatisfy({ ($0 >= 0x61 && $0 <= 0x7a) || ($0 >= 0x30 && $0 <= 0x39) || $0 == 0x2d }) else {
            throw LifelineError(.invalidRequest, "tenant name must be 1-63 characters of a-z, 0-9 and '-', not starting with '-'")
        }
        return name
    }

    /// The most UTF-8 bytes a username may have. Why bytes: one Character can carry any number of combining
    /// marks, so a bound in Characters let an anonymous caller write 60 KB "usernames" into flow and audit rows.
    public static let maxUsernameBytes = 256
    /// The most UTF-8 bytes of a display name or label.
    public static let maxDisplayNameBytes = 1024

    /// Usernames: 1–256 bytes of UTF-8, no control characters, no leading or trailing white space.
    public static func username(_ name: String) throws(LifelineError) -> String {
        guard !name.isEmpty, name.utf8.count <= maxUsernameBytes,
              !name.unicodeScalars.contains(where: { $0.properties.generalCategory == .control || $0 == "\u{7f}" }),
              name.first?.isWhitespace == false, name.last?.isWhitespace == false else {
            throw LifelineError(.invalidRequest, "username must be 1-\(maxUsernameBytes) bytes (UTF-8) without control characters or surrounding spaces")
        }
        return name
    }

    /// The case-insensitive uniqueness key of a username. Why fold: `Alice` and `alice` must be one account,
    /// or an attacker could register a look-alike of a real user.
    public static func usernameKey(_ name: String) -> String {
        name.lowercased()
    }

    /// Display names: at most 1024 bytes of UTF-8, no control characters.
    public static func displayName(_ name: String) throws(LifelineError) -> String {
        guard name.utf8.count <= maxDisplayNameBytes, !name.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) else {
            throw LifelineError(.invalidRequest, "display_name must be at most \(maxDisplayNameBytes) bytes (UTF-8) without control characters")
        }
        return name
    }

    /// Language tags: `xx` or `xx-XX`.
    public static func language(_ tag: String) throws(LifelineError) -> String {
        let b = Array(tag.utf8)
        let lower = { (c: UInt8) in c >= 0x61 && c <= 0x7a }
        let upper = { (c: UInt8) in c >= 0x41 && c <= 0x5a }
        guard (b.count == 2 && lower(b[0]) && lower(b[1]))
            || (b.count == 5 && lower(b[0]) && lower(b[1]) && b[2] == 0x2d && upper(b[3]) && upper(b[4])) else {
            throw LifelineError(.invalidRequest, "language must look like 'en' or 'en-GB'")
        }
        return tag
    }

    /// Normalizes a phone number to E.164 (`+` and 8–15 digits; spaces, dashes, dots and parentheses dropped;
    /// a leading `00` read as `+`). Numbers without a country code are refused: there is no safe default.
    public static func phoneE164(_ raw: String) throws(LifelineError) -> String {
        var digits = ""
        var sawPlus = false
        for (i, ch) in raw.trimmingCharacters(in: .whitespaces).enumerated() {
            if ch == "+" && i == 0 { sawPlus = true; continue }
            if ch == " " || ch == "-" || ch == "." || ch == "(" || ch == ")" { continue }
            guard let ascii = ch.asciiValue, ascii >= 0x30, ascii <= 0x39 else {
                throw LifelineError(.invalidRequest, "phone number must contain only digits, spaces and a leading '+'")
            }
            digits.append(ch)
        }
        if !sawPlus, digits.hasPrefix("00") { digits.removeFirst(2); sawPlus = true }
        guard sawPlus, (8...15).contains(digits.count), digits.first != "0" else {
            throw LifelineError(.invalidRequest, "phone number must be in international form, e.g. +420 777 123 789")
        }
        return "+" + digits
    }

    /// A pragmatic email check (one `@`, a dotted domain, no spaces), lower-casing the domain. The lengths are
    /// RFC 5321's, in octets: at most 254 in all and 64 before the `@`.
    public static func email(_ raw: String) throws(LifelineError) -> String {
        let value = raw.trimmingCharacters(in: .whitespaces)
        let parts = value.split(separator: "@", omittingEmptySubsequences: false)
        guard value.utf8.count <= 254, parts.count == 2, !parts[0].isEmpty, parts[0].utf8.count <= 64,
              parts[1].contains("."), !parts[1].hasPrefix("."), !parts[1].hasSuffix("."),
              !value.unicodeScalars.contains(where: { $0.properties.isWhitespace || $0.properties.generalCategory == .control }) else {
            throw LifelineError(.invalidRequest, "email address is not valid")
        }
        return "\(parts[0])@\(parts[1].lowercased())"
    }

    /// An OTP as typed: 6–8 ASCII digits. Checked before any lookup, so the answer is the same for every user.
    public static func otpCode(_ code: String) throws(LifelineError) -> String {
        let b = code.utf8
        guard (6...8).contains(b.count), b.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) else {
            throw LifelineError(.invalidRequest, "code must be 6 to 8 digits")
        }
        return code
    }

    /// What `POST /validate` accepts as a code: the input in the form of each registered credential type that accepts it
    /// (``CredentialRegistry``: an OTP of 6–8 ASCII digits as typed, or PIN ‖ OTP of 10–16 for a token with a PIN; a
    /// Lifeline Authenticator code, 8 digits or a 9–13-digit unblock code; a saved recovery code, 16 characters of Crockford's
    /// base32; an emergency access code, 10–32 digits or 8–32 of the alphanumeric alphabet; codes in any case, spaces and
    /// dashes ignored). A code that may be several is tried as each. Checked before any lookup, so the answer is the
    /// same for every user.
    public static func validationCode(_ code: String) throws(LifelineError) -> SubmittedCode {
        let submitted = SubmittedCode(typed: code)
        guard !submitted.isEmpty else {
            throw LifelineError(.invalidRequest, "code must be \(CredentialRegistry.inputDescription)")
        }
        return submitted
    }
}
