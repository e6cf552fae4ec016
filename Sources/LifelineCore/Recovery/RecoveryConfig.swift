import Foundation

/// A named, ordered list of verification steps and the actions a completed flow unlocks.
public struct FlowDefinition: Sendable, Codable, Equatable {
    public var id: String
    /// The flow's name per language (`en` is required; others fall back to it).
    public var names: [String: String]
    /// Method ids, run in order.
    public var steps: [String]
    public var actions: [RecoveryActionID]
    /// The emergency-code template this flow issues (`emergency-code` action); nil: the tenant's first.
    public var emergencyTemplate: String?

    public init(id: String, names: [String: String], steps: [String], actions: [RecoveryActionID], emergencyTemplate: String? = nil) {
        self.id = id; self.names = names; self.steps = steps; self.actions = actions; self.emergencyTemplate = emergencyTemplate
    }

    enum CodingKeys: String, CodingKey, CaseIterable {
        case id, names, steps, actions
        case emergencyTemplate = "emergency_template"
    }

    public init(from decoder: any Decoder) throws {
        try ConfigKeyCheck.refuseUnknown(decoder, CodingKeys.self)
        let c = try decoder.container(keyedBy: CodingKeys.self)
        id = try c.decode(String.self, forKey: .id)
        names = try c.decode([String: String].self, forKey: .names)
        steps = try c.decode([String].self, forKey: .steps)
        actions = try c.decode([RecoveryActionID].self, forKey: .actions)
        emergencyTemplate = try c.decodeIfPresent(String.self, forKey: .emergencyTemplate)
    }

    /// The name in `language`, else English.
    public func name(in language: String) -> String { names[language] ?? names["en"] ?? id }
}

/// A security question of the tenant's catalog; users enrol answers to some of them.
public struct SecurityQuestion: Sendable, Codable, Equatable {
    public var id: String
    /// The question per language (`en` is required).
    public var texts: [String: String]

    public init(id: String, texts: [String: String]) { self.id = id; self.texts = texts }

    enum CodingKeys: String, CodingKey, CaseIterable { case id, texts }

    public init(from decoder: any Decoder) throws {
        try ConfigKeyCheck.refuseUnknown(decoder, CodingKeys.self)
        let c = try decoder.container(keyedBy: CodingKeys.self)
        id = try c.decode(String.self, forKey: .id)
        texts = try c.decode([String: String].self, forKey: .texts)
    }

    /// The text in `language`, else English.
    public func text(in language: String) -> String { texts[language] ?? texts["en"] ?? id }
}

/// Limits of the recovery flows of a tenant. Every default is the safe choice; each is a bound on something an
/// attacker could otherwise repeat.
public struct RecoveryLimits: Sendable, Codable, Equatable {
    /// Wrong submissions per step before the flow fails. Why 5: a 6-digit code then has a 5 in 10^6 chance.
    public var wrongPerStep = 5
    /// Seconds before "send again". Why: stops SMS pumping and bombing a victim's phone.
    public var resendDelay = 60
    /// Codes sent per flow (first send included).
    public var sendsPerFlow = 3
    /// Codes sent per user per hour, over all flows. Why: a flow limit alone is bypassed by starting new flows.
    public var sendsPerUserPerHour = 10
    /// Seconds a flow lives. Why 15 min: long enough to fetch a phone, short enough to bound a stolen flow id.
    public var flowLifetime = 900
    /// Failed flows per user per day before new flows are paused, with a delay that doubles per extra failure.
    public var failedFlowsPerDay = 5
    /// Seconds a verified flow's action grants stay usable.
    public var grantLifetime = 600

    public init() {}

    enum CodingKeys: String, CodingKey, CaseIterable {
        case wrongPerStep = "wrong_per_step", resendDelay = "resend_delay", sendsPerFlow = "sends_per_flow"
        case sendsPerUserPerHour = "sends_per_user_per_hour", flowLifetime = "flow_lifetime"
        case failedFlowsPerDay = "failed_flows_per_day", grantLifetime = "grant_lifetime"
    }

    public init(from decoder: any Decoder) throws {
        try ConfigKeyCheck.refuseUnknown(decoder, CodingKeys.self)
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let d = RecoveryLimits()
        wrongPerStep = try c.decodeIfPresent(Int.self, forKey: .wrongPerStep) ?? d.wrongPerStep
        resendDelay = try c.decodeIfPresent(Int.self, forKey: .resendDelay) ?? d.resendDelay
        sendsPerFlow = try c.decodeIfPresent(Int.self, forKey: .sendsPerFlow) ?? d.sendsPerFlow
        sendsPerUserPerHour = try c.decodeIfPresent(Int.self, forKey: .sendsPerUserPerHour) ?? d.sendsPerUserPerHour
        flowLifetime = try c.decodeIfPresent(Int.self, forKey: .flowLifetime) ?? d.flowLifetime
        failedFlowsPerDay = try c.decodeIfPresent(Int.self, forKey: .failedFlowsPerDay) ?? d.failedFlowsPerDay
        grantLifetime = try c.decodeIfPresent(Int.self, forKey: .grantLifetime) ?? d.grantLifetime
    }
}

/// A tenant's recovery configuration: methods, flows, the question catalog, limits and the self-service URL.
public struct RecoveryConfig: Sendable, Codable, Equatable {
    public var methods: [MethodConfig]
    public var flows: [FlowDefinition]
    public var questions: [SecurityQuestion]
    public var limits: RecoveryLimits
    /// Where the `selfservice` action sends a verified user (https, or http on localhost).
    public var selfserviceURL: String?
    /// The country code (`+47`) for numbers typed without one, and for decoy numbers.
    public var defaultCountryCode: String
    /// The domain shown in decoy email addresses (use the tenant's own mail domain).
    public var emailDomain: String
    /// Where the tenant's accounts live (`reset-password`, `unlock-account`); built-in by default.
    public var directory: DirectorySettings
    /// Rules for a new password (`reset-password`).
    public var passwordPolicy: PasswordPolicy
    /// Recipes for emergency access codes (`emergency-code`).
    public var emergencyCodeTemplates: [EmergencyCodeTemplate]
    /// The organization's time zone for times on the pages and in notices (``TenantTimeZone``; default UTC).
    public var timeZone: TenantTimeZone = .utc
    /// The helpdesk's settings: caller verification, four-eyes, helpdesk codes (``HelpdeskSettings``).
    public var helpdesk = HelpdeskSettings()
    /// The Lifeline Authenticator's settings: PIN length, UBC lifetime, PIN reset window (``AuthenticatorSettings``).
    public var authenticator = AuthenticatorSettings()
    /// Offline authentication for laptop agents: who, how many days, passcode length, failure cap (``OfflinePolicy``, issue 17).
    public var offline = OfflinePolicy()

    public init(methods: [MethodConfig] = [], flows: [FlowDefinition] = [], questions: [SecurityQuestion] = [],
                limits: RecoveryLimits = RecoveryLimits(), selfserviceURL: String? = nil, defaultCountryCode: String = "+1",
                emailDomain: String = "example.com", directory: DirectorySettings = DirectorySettings(),
                passwordPolicy: PasswordPolicy = PasswordPolicy(), emergencyCodeTemplates: [EmergencyCodeTemplate] = []) {
        self.methods = methods; self.flows = flows; self.questions = questions; self.limits = limits
        self.selfserviceURL = selfserviceURL; self.defaultCountryCode = defaultCountryCode; self.emailDomain = emailDomain
        self.directory = directory; self.passwordPolicy = passwordPolicy; self.emergencyCodeTemplates = emergencyCodeTemplates
    }

    enum CodingKeys: String, CodingKey, CaseIterable {
        case methods, flows, questions, limits, directory
        case selfserviceURL = "selfservice_url", defaultCountryCode = "default_country_code", emailDomain = "email_domain"
        case passwordPolicy = "password_policy", emergencyCodeTemplates = "emergency_code_templates"
        case timeZone = "time_zone"
        case helpdesk
        case authenticator
        case offline
    }

    public init(from decoder: any Decoder) throws {
        try ConfigKeyCheck.refuseUnknown(decoder, CodingKeys.self)
        let c = try decoder.container(keyedBy: CodingKeys.self)
        methods = try c.decodeIfPresent([MethodConfig].self, forKey: .methods) ?? []
        flows = try c.decodeIfPresent([FlowDefinition].self, forKey: .flows) ?? []
        questions = try c.decodeIfPresent([SecurityQuestion].self, forKey: .questions) ?? []
        limits = try c.decodeIfPresent(RecoveryLimits.self, forKey: .limits) ?? RecoveryLimits()
        selfserviceURL = try c.decodeIfPresent(String.self, forKey: .selfserviceURL)
        defaultCountryCode = try c.decodeIfPresent(String.self, forKey: .defaultCountryCode) ?? "+1"
        emailDomain = try c.decodeIfPresent(String.self, forKey: .emailDomain) ?? "example.com"
        directory = try c.decodeIfPresent(DirectorySettings.self, forKey: .directory) ?? DirectorySettings()
        passwordPolicy = try c.decodeIfPresent(PasswordPolicy.self, forKey: .passwordPolicy) ?? PasswordPolicy()
        emergencyCodeTemplates = try c.decodeIfPresent([EmergencyCodeTemplate].self, forKey: .emergencyCodeTemplates) ?? []
        timeZone = try c.decodeIfPresent(TenantTimeZone.self, forKey: .timeZone) ?? .utc
        helpdesk = try c.decodeIfPresent(HelpdeskSettings.self, forKey: .helpdesk) ?? HelpdeskSettings()
        authenticator = try c.decodeIfPresent(AuthenticatorSettings.self, forKey: .authenticator) ?? AuthenticatorSettings()
        offline = try c.decodeIfPresent(OfflinePolicy.self, forKey: .offline) ?? OfflinePolicy()
    }

    /// The emergency-code template `flow` issues: its own, else the tenant's first.
    public func emergencyTemplate(for flow: FlowDefinition) -> EmergencyCodeTemplate? {
        if let id = flow.emergencyTemplate { return emergencyCodeTemplates.first { $0.id == id } }
        return emergencyCodeTemplates.first
    }

    /// The method with `id`.
    public func method(_ id: String) -> MethodConfig? { methods.first { $0.id == id } }
    /// The flow with `id`.
    public func flow(_ id: String) -> FlowDefinition? { flows.first { $0.id == id } }
}
