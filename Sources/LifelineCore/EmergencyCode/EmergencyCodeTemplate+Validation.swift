import Foundation

extension EmergencyCodeTemplate {
    /// The longest an emergency code may live, whatever the template says (30 days). Why a cap: the code replaces
    /// the user's second factor; the longer it lives, the longer a stolen or shoulder-surfed code is worth something,
    /// and a lost phone is replaced within weeks.
    public static let maxLifetime = 30 * 86_400

    /// The shortest `valid_for` (and the least time a code must have left when issued). Why: a code that ends
    /// before the user could type it into the login form is only a confusing failure.
    public static let minLifetime = 60

    /// The most uses a template may allow. Why: a code good for hundreds of logins is a password in disguise.
    public static let maxUsesLimit = 100

    /// The allowed code lengths per alphabet.
    ///
    /// Why at least 10 digits (≈ 33 bits) or 8 alphanumerics (31 symbols, ≈ 40 bits), where OTPs have 6–8 digits:
    /// an OTP changes every 30 s, an emergency code is the same for up to 30 days, so a guesser has all that time;
    /// the code's own failure limit (the OTP policy's `max_fail`) bounds online guesses, and the length keeps the odds of
    /// those guesses below 10^-9. 10 digits also keep a digits code apart from any OTP (6–8 digits), so a code's form
    /// says what it is. At most 32: longer codes are not typed correctly.
    public static func lengthRange(for alphabet: Alphabet) -> ClosedRange<Int> {
        alphabet == .digits ? 10...32 : 8...32
    }

    /// Every rule this template breaks; `path` is where it sits in the document (e.g. `["emergency_code_templates", "0"]`).
    ///
    /// `valid_until` is an absolute instant, so it is checked when a code is issued (``expiry(issuedAt:)``), not here:
    /// a configuration must not become invalid by the passing of time.
    public func problems(path: [String]) -> [ConfigProblem] {
        var out: [ConfigProblem] = []
        func bad(_ key: String?, _ reason: String) { out.append(ConfigProblem(path: key.map { path + [$0] } ?? path, reason: reason)) }
        // Same id rule as methods, flows and questions: ids appear in URLs, audit records and YAML keys.
        let idOK = !id.isEmpty && id.count <= 63
            && id.utf8.allSatisfy { ($0 >= 0x61 && $0 <= 0x7a) || ($0 >= 0x30 && $0 <= 0x39) || $0 == 0x2d || $0 == 0x5f }
        if !idOK { bad("id", "must be 1-63 characters of a-z, 0-9, '-' and '_'") }
        // Why English is required: it is the fallback of every other language (as for flows).
        if (names["en"] ?? "").isEmpty { bad("names", "needs an English name (en)") }
        let lengths = Self.lengthRange(for: alphabet)
        if !lengths.contains(length) {
            bad("length", "must be \(lengths.lowerBound) to \(lengths.upperBound) for the \(alphabet.rawValue) alphabet")
        }
        // Why a limit is required: a code without one would be a standing bypass of the second factor (the 30-day cap
        // would still apply, but a template should say what it means).
        if maxUses == nil && validFor == nil && validUntil == nil {
            bad(nil, "needs at least one of max_uses, valid_for and valid_until")
        }
        if let m = maxUses, !(1...Self.maxUsesLimit).contains(m) { bad("max_uses", "must be 1 to \(Self.maxUsesLimit)") }
        if let v = validFor, !(Self.minLifetime...Self.maxLifetime).contains(v) {
            bad("valid_for", "must be \(Self.minLifetime) to \(Self.maxLifetime) seconds (30 days)")
        }
        return out
    }

    /// When a code issued at `now` from this template expires: the earliest of `now + valid_for`, `valid_until` and
    /// `now + 30 days` (the cap applies even to a template with only `max_uses`).
    ///
    /// Throws ``LifelineError/Code/actionUnavailable`` when `valid_until` has passed or leaves less than a minute:
    /// such a template can issue no usable code.
    public func expiry(issuedAt now: Date) throws(LifelineError) -> Date {
        var end = now.addingTimeInterval(TimeInterval(Self.maxLifetime))
        if let validFor { end = min(end, now.addingTimeInterval(TimeInterval(validFor))) }
        if let validUntil {
            guard validUntil.timeIntervalSince(now) >= TimeInterval(Self.minLifetime) else {
                throw LifelineError(.actionUnavailable,
                                    "the emergency-code template '\(id)' is no longer valid (valid_until \(validUntil.formatted(.iso8601)) has passed)")
            }
            end = min(end, validUntil)
        }
        return end
    }
}

extension EmergencyCodeTemplate.Alphabet {
    /// The characters codes are drawn from.
    ///
    /// Why no 0, 1, I, L, O in the alphanumeric alphabet: they are read as one another from a screen or over the phone.
    public var characters: [Character] {
        switch self {
        case .digits: Array("0123456789")
        case .alphanumeric: EmergencyCodeFormat.alphanumericCharacters
        }
    }
}

extension RecoveryConfig {
    /// The problems of the emergency-code templates and of the flows' references to them (called by ``problems()``).
    func emergencyCodeProblems() -> [ConfigProblem] {
        var out: [ConfigProblem] = []
        var ids = Set<String>()
        for (i, t) in emergencyCodeTemplates.enumerated() {
            let p = ["emergency_code_templates", String(i)]
            out += t.problems(path: p)
            // Why unique: a flow names its template by id; two with one id would make the choice arbitrary.
            if !ids.insert(t.id).inserted { out.append(ConfigProblem(path: p + ["id"], reason: "template id '\(t.id)' is used twice")) }
        }
        for (i, f) in flows.enumerated() {
            let p = ["flows", String(i)]
            if let id = f.emergencyTemplate, !ids.contains(id) {
                out.append(ConfigProblem(path: p + ["emergency_template"], reason: "unknown emergency-code template '\(id)'"))
            }
            // Why: a verified user would be offered an action that can only fail.
            if f.actions.contains(.emergencyCode), emergencyCodeTemplates.isEmpty {
                out.append(ConfigProblem(path: p + ["actions"], reason: "emergency-code needs at least one entry in emergency_code_templates"))
            }
        }
        return out
    }
}
