import Foundation

/// A tenant's helpdesk settings (the `helpdesk:` section of its recovery configuration): which actions need a verified
/// caller, which need a second operator, and the template of the helpdesk emergency access code.
public struct HelpdeskSettings: Sendable, Codable, Equatable {
    /// Actions the operator may do only after verifying the caller (a code sent to the user's verified contact and read
    /// back) within the last 15 minutes.
    public var requireCallerVerification: [HelpdeskAction]
    /// Actions that a second operator must approve (four-eyes) before they run.
    public var fourEyes: [HelpdeskAction]
    /// The bounds of helpdesk emergency access codes and how they reach the user.
    public var emergencyCode: HelpdeskCodeTemplate
    /// How many days the temporary code of a token marked lost lives (`lost_token_days`, 1–30, default 7;
    /// docs/lost-token.md).
    public var lostTokenDays: Int

    /// Why at most 30 days: the longest any stand-in code lives (``EmergencyCodeTemplate/maxLifetime``); a token not
    /// found in a month is replaced, not bridged. Why 7 by default: privacyIDEA's lost token default, a week to find it.
    public static let lostTokenDaysRange = 1...30

    public init(requireCallerVerification: [HelpdeskAction] = [], fourEyes: [HelpdeskAction] = [],
                emergencyCode: HelpdeskCodeTemplate = HelpdeskCodeTemplate(), lostTokenDays: Int = 7) {
        self.requireCallerVerification = requireCallerVerification; self.fourEyes = fourEyes; self.emergencyCode = emergencyCode
        self.lostTokenDays = lostTokenDays
    }

    enum CodingKeys: String, CodingKey, CaseIterable {
        case requireCallerVerification = "require_caller_verification", fourEyes = "four_eyes", emergencyCode = "emergency_code"
        case lostTokenDays = "lost_token_days"
    }

    public init(from decoder: any Decoder) throws {
        try ConfigKeyCheck.refuseUnknown(decoder, CodingKeys.self)
        let c = try decoder.container(keyedBy: CodingKeys.self)
        requireCallerVerification = try c.decodeIfPresent([HelpdeskAction].self, forKey: .requireCallerVerification) ?? []
        fourEyes = try c.decodeIfPresent([HelpdeskAction].self, forKey: .fourEyes) ?? []
        emergencyCode = try c.decodeIfPresent(HelpdeskCodeTemplate.self, forKey: .emergencyCode) ?? HelpdeskCodeTemplate()
        lostTokenDays = try c.decodeIfPresent(Int.self, forKey: .lostTokenDays) ?? 7
    }

    /// Every rule these settings break, under `helpdesk`.
    public func problems() -> [ConfigProblem] {
        var out: [ConfigProblem] = []
        let path = ["helpdesk"]
        // Why: the two codes of a resync are read from the user's token now; 15 minutes later, when a second operator
        // approves, they no longer describe where the token's clock is.
        if fourEyes.contains(.tokenResync) {
            out.append(ConfigProblem(path: path + ["four_eyes"], reason: "token_resync cannot wait for approval (its two codes go stale)"))
        }
        out += emergencyCode.problems(path: path + ["emergency_code"])
        if !Self.lostTokenDaysRange.contains(lostTokenDays) {
            out.append(ConfigProblem(path: path + ["lost_token_days"],
                                     reason: "must be \(Self.lostTokenDaysRange.lowerBound) to \(Self.lostTokenDaysRange.upperBound)"))
        }
        return out
    }
}

/// The template of helpdesk emergency access codes: the most uses and the longest lifetime an operator may give one
/// (the operator may choose less), and whether it is shown to the operator or sent to the user.
public struct HelpdeskCodeTemplate: Sendable, Codable, Equatable {
    /// How a helpdesk code reaches the user.
    public enum Delivery: String, Sendable, Codable {
        /// Shown once to the operator, who reads it out to the caller.
        case show
        /// Sent to one of the user's verified contacts; the operator never sees it.
        case send
    }

    /// The most successful logins one code allows (1–10; default 1).
    public var maxUses: Int
    /// The longest a code may live, in hours (1–720; default 8).
    public var maxLifetimeHours: Int
    public var delivery: Delivery

    /// Why at most 10 uses: a helpdesk code bridges the time until the user has an authenticator again (a day or a
    /// trip), not a second password. Why at most 720 hours: the 30 days of every emergency code
    /// (``EmergencyCodeTemplate/maxLifetime``).
    public static let usesRange = 1...10
    public static let lifetimeHoursRange = 1...(EmergencyCodeTemplate.maxLifetime / 3600)
    /// Digits per code. Why 12 digits (≈ 40 bits): read out over the phone without spelling; with the code's
    /// failure limit (the OTP policy's `max_fail`, e.g. 5 guesses) the odds of a guess are 5 in 10^12.
    public static let codeLength = 12

    public init(maxUses: Int = 1, maxLifetimeHours: Int = 8, delivery: Delivery = .show) {
        self.maxUses = maxUses; self.maxLifetimeHours = maxLifetimeHours; self.delivery = delivery
    }

    enum CodingKeys: String, CodingKey, CaseIterable {
        case maxUses = "max_uses", maxLifetimeHours = "max_lifetime_hours", delivery
    }

    public init(from decoder: any Decoder) throws {
        try ConfigKeyCheck.refuseUnknown(decoder, CodingKeys.self)
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let d = HelpdeskCodeTemplate()
        maxUses = try c.decodeIfPresent(Int.self, forKey: .maxUses) ?? d.maxUses
        maxLifetimeHours = try c.decodeIfPresent(Int.self, forKey: .maxLifetimeHours) ?? d.maxLifetimeHours
        delivery = try c.decodeIfPresent(Delivery.self, forKey: .delivery) ?? d.delivery
    }

    func problems(path: [String]) -> [ConfigProblem] {
        var out: [ConfigProblem] = []
        if !Self.usesRange.contains(maxUses) {
            out.append(ConfigProblem(path: path + ["max_uses"], reason: "must be \(Self.usesRange.lowerBound) to \(Self.usesRange.upperBound)"))
        }
        if !Self.lifetimeHoursRange.contains(maxLifetimeHours) {
            out.append(ConfigProblem(path: path + ["max_lifetime_hours"],
                                     reason: "must be \(Self.lifetimeHoursRange.lowerBound) to \(Self.lifetimeHoursRange.upperBound)"))
        }
        return out
    }

    /// The emergency-code template of one code: `uses` and `minutes` as the operator chose them (nil: the maximum),
    /// refused with 400 above this template's bounds. Why 5 minutes at least: less is over before the user has typed it.
    func template(uses: Int?, minutes: Int?) throws(LifelineError) -> EmergencyCodeTemplate {
        let uses = uses ?? maxUses
        let minutes = minutes ?? maxLifetimeHours * 60
        guard (1...maxUses).contains(uses) else { throw LifelineError(.invalidRequest, "uses must be 1 to \(maxUses) (the tenant's helpdesk template)") }
        guard (5...maxLifetimeHours * 60).contains(minutes) else {
            throw LifelineError(.invalidRequest, "lifetime_minutes must be 5 to \(maxLifetimeHours * 60) (the tenant's helpdesk template)")
        }
        return EmergencyCodeTemplate(id: HelpdeskCodeTemplate.templateID, names: ["en": "Helpdesk access code"], length: Self.codeLength,
                                     alphabet: .digits, maxUses: uses, validFor: minutes * 60)
    }

    /// The template id a helpdesk code carries in its emergency-code state (tells it apart from a flow's code).
    public static let templateID = "helpdesk"
}
