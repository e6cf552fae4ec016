import Foundation

/// One rule a new password breaks: a catalog id (`password.<rule>`) and its arguments, so the web app and API
/// clients explain it in the user's language.
public struct PasswordProblem: Sendable, Equatable, Codable {
    public var id: String
    public var args: [String: String]
    public init(_ id: String, _ args: [String: String] = [:]) { self.id = id; self.args = args }
}

extension PasswordPolicy {
    /// Every rule `password` breaks for `username` (empty: acceptable to send to the directory).
    /// Lengths count Unicode code points after NFKC normalization (NIST SP 800-63B-4 §3.1.1.2: "each Unicode code
    /// point SHALL be counted as a single character"). Why not Characters: one Character can hold any number of
    /// combining marks, so a Character bound does not bound the bytes that reach the directory.
    public func problems(password: String, username: String) -> [PasswordProblem] {
        let p = password.precomposedStringWithCompatibilityMapping
        var out: [PasswordProblem] = []
        let length = p.unicodeScalars.count
        if length < minLength { out.append(PasswordProblem("password.too_short", ["min": String(minLength)])) }
        if length > maxLength { out.append(PasswordProblem("password.too_long", ["max": String(maxLength)])) }
        if minClasses > 0 {
            var classes = 0
            if p.contains(where: { $0.isLowercase }) { classes += 1 }
            if p.contains(where: { $0.isUppercase }) { classes += 1 }
            if p.contains(where: { $0.isNumber }) { classes += 1 }
            if p.contains(where: { !$0.isLetter && !$0.isNumber }) { classes += 1 }
            if classes < minClasses { out.append(PasswordProblem("password.classes", ["count": String(minClasses)])) }
        }
        let lower = p.lowercased()
        // Why: the username is the first thing an attacker tries, and it is public.
        if forbidUsername, username.count >= 3, lower.contains(username.lowercased()) {
            out.append(PasswordProblem("password.contains_username"))
        }
        if CommonPasswords.isCommon(lower, extra: forbidden.map { $0.lowercased() }) {
            out.append(PasswordProblem("password.common"))
        }
        return out
    }
}

/// Passwords attackers try first (NIST SP 800-63B §5.1.1.2 "values known to be commonly-used, expected, or
/// compromised"): a short list of the most common ones, and the same with a decoration of digits and symbols
/// at the end (`Password123!` is `password`), plus keyboard and digit runs.
public enum CommonPasswords {
    static let list: Set<String> = [
        "password", "passw0rd", "p@ssw0rd", "p@ssword", "pass", "passwort", "heslo", "passord", "qwerty", "qwertz",
        "qwertyuiop", "asdfgh", "asdfghjkl", "zxcvbn", "zxcvbnm", "azerty", "abc", "abcd", "abcdef", "abcdefg",
        "abcdefgh", "letmein", "welcome", "welcome1", "admin", "administrator", "root", "login", "master", "monkey",
        "dragon", "football", "baseball", "soccer", "hockey", "basketball", "iloveyou", "sunshine", "princess",
        "shadow", "superman", "batman", "trustno1", "starwars", "whatever", "freedom", "secret", "changeme",
        "default", "guest", "test", "testing", "summer", "winter", "spring", "autumn", "michael", "jennifer",
        "jordan", "hunter", "ranger", "buster", "thomas", "tigger", "charlie", "robert", "daniel", "george",
        "andrew", "joshua", "maggie", "ginger", "hannah", "pepper", "cookie", "chocolate", "flower", "lovely",
        "computer", "internet", "mustang", "harley", "killer", "matrix", "cheese", "orange", "banana", "purple",
        "silver", "golden", "diamond", "access", "service", "company", "office", "microsoft", "google", "apple",
        "linux", "windows", "lifeline", "helpdesk", "support", "security", "january", "february", "march", "april",
        "june", "july", "august", "september", "october", "november", "december", "monday", "friday", "nothing",
        "zaq1zaq1", "1q2w3e4r", "1q2w3e4r5t", "q1w2e3r4", "1qaz2wsx", "qazwsx", "aa123456", "a1b2c3d4", "abc123",
        "password1", "iloveyou1", "qwerty123", "letmein1", "welcome123", "admin123",
    ]

    /// Whether `lowercased` (or its base without trailing digits and symbols) is on the list, the tenant's
    /// `extra` list, or is a run of one character, digits, or a keyboard row.
    public static func isCommon(_ lowercased: String, extra: [String] = []) -> Bool {
        let base = String(lowercased.reversed().drop(while: { !$0.isLetter }).reversed())
        let extras = Set(extra)
        for candidate in [lowercased, base] where !candidate.isEmpty {
            if list.contains(candidate) || extras.contains(candidate) { return true }
        }
        if Set(lowercased).count <= 2 { return true }
        let digits = "01234567890123456789", reversedDigits = "98765432109876543210"
        let rows = ["qwertyuiopasdfghjklzxcvbnm", "qwertzuiopasdfghjklyxcvbnm", "1234567890"]
        // A password that is wholly a run of digits or keyboard letters.
        if lowercased.count >= 4, digits.contains(lowercased) || reversedDigits.contains(lowercased) || rows.contains(where: { $0.contains(lowercased) }) {
            return true
        }
        return false
    }
}
