import Foundation

/// A translated text with its stable catalog id (clients may translate by id themselves).
public struct FlowText: Sendable, Codable, Equatable {
    public var id: String
    public var text: String
    public init(id: String, text: String) { self.id = id; self.text = text }
}

/// A message shown with the flow: an error of the last submission or information.
public struct FlowMessage: Sendable, Codable, Equatable {
    public var id: String
    public var type: String
    public var text: String
}

/// One choice of a radio field.
public struct FlowOption: Sendable, Codable, Equatable {
    public var value: String
    public var label: String
    public init(value: String, label: String) { self.value = value; self.label = label }
}

/// An input the client must render and submit by `name`.
public struct FlowField: Sendable, Codable, Equatable {
    public var name: String
    /// `radio`, `text`, `tel`, `email` or `code`.
    public var type: String
    public var label: FlowText
    public var required: Bool
    public var options: [FlowOption]?
    /// The HTML `autocomplete` hint (`one-time-code`, `tel`, `email`, `off`).
    public var autocomplete: String?

    public init(name: String, type: String, label: FlowText, required: Bool, options: [FlowOption]?, autocomplete: String?) {
        self.name = name; self.type = type; self.label = label; self.required = required; self.options = options; self.autocomplete = autocomplete
    }
}

/// An action a verified flow unlocks.
public struct FlowActionItem: Sendable, Codable, Equatable {
    public var id: String
    public var label: String
    public var available: Bool
    /// Why it is not available (used, expired, "your account is not locked"), translated; nil when available.
    public var note: FlowText?
}

/// What a client needs to render a flow and submit the next step (the Ory Kratos "ui" idea): the same for a
/// real and a decoy flow, field by field.
public struct FlowDocument: Sendable, Codable, Equatable {
    public var id: String
    public var tenant: String
    public var username: String
    /// A ``FlowPhase`` raw value, or `expired`.
    public var state: String
    public var language: String
    public var expiresAt: Date
    public var step: StepInfo?
    public var prompt: FlowText
    public var fields: [FlowField]
    public var messages: [FlowMessage]
    /// When "send again" becomes available (only in a step whose method can send again: `enter_code`).
    public var resendAvailableAt: Date?
    /// The unlocked actions (verified only).
    public var actions: [FlowActionItem]
    /// Only in the answer to the submission that verified the flow: a bearer token that gives this client a
    /// guessing budget of its own for this username in later flows (``BudgetPass``; send it as `budget_pass` when
    /// creating a flow). Shown once; only its hash is stored.
    public var budgetPass: String?

    /// The position of the current step.
    public struct StepInfo: Sendable, Codable, Equatable {
        public var index: Int
        public var count: Int
        public var method: String
    }

    /// Renders `flow` in its language at `now`. `unavailable` names actions the user's current state rules out
    /// (an account that is not locked cannot be unlocked), with the catalog id of the reason.
    /// The current step's fields come from its method (``VerificationMethod/view(_:settings:_:)``).
    public init(flow: RecoveryFlow, config: RecoveryConfig, catalog: Catalog, now: Date, unavailable: [RecoveryActionID: String] = [:],
                methods: MethodRegistry = .standard) {
        let lang = flow.language
        func t(_ id: String, _ args: [String: String] = [:]) -> FlowText { FlowText(id: id, text: catalog.text(id, lang, args)) }
        id = flow.id.uuidString.lowercased(); tenant = flow.tenant; username = flow.username; language = lang
        expiresAt = flow.expiresAt
        fields = []; actions = []; resendAvailableAt = nil
        messages = flow.notices.map { FlowMessage(id: $0.id, type: $0.kind.rawValue, text: catalog.text($0.id, lang, $0.args)) }
        let def = flow.definitionID.flatMap(config.flow)
        step = nil
        if let def, let s = flow.step {
            step = StepInfo(index: flow.stepIndex + 1, count: def.steps.count, method: s.type.rawValue)
        }
        if flow.isExpired(at: now) {
            state = "expired"; prompt = t("prompt.expired"); return
        }
        state = flow.phase.rawValue
        switch flow.phase {
        case .chooseFlow:
            prompt = t("prompt.choose_flow")
            fields = [FlowField(name: "flow", type: "radio", label: t("field.flow"), required: true,
                                options: config.flows.map { FlowOption(value: $0.id, label: $0.name(in: lang)) }, autocomplete: nil)]
        case .verified:
            prompt = t("prompt.verified")
            actions = flow.grants.map { g in
                let reason: String? = g.usedAt != nil ? "action.used" : g.expiresAt <= now ? "action.expired" : unavailable[g.action]
                return FlowActionItem(id: g.action.rawValue, label: catalog.text("action.\(g.action.rawValue)", lang), available: reason == nil,
                                      note: reason.map { t($0) })
            }
        case .failed:
            prompt = t("prompt.failed")
        default:
            // A step's phase: its method names the prompt and the fields.
            let context = StepViewContext(phase: flow.phase, language: lang, config: config, text: t)
            guard let s = flow.step, let view = methods.method(s.type)?.viewStep(s, entry: config.method(s.methodID), context) else {
                prompt = t("prompt.expired"); return
            }
            prompt = view.prompt
            fields = view.fields
            resendAvailableAt = view.resendAvailableAt
        }
    }
}
