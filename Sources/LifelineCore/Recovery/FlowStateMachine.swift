import Crypto
import Foundation

/// What happened in a flow, as the runner observed it: a flow was chosen, or an event of the current step's method
/// (made by the method from the submitted fields; checks that need storage or slow hashing, such as a TOTP code or
/// security answers, are done by the runner through the method, which passes their outcome).
public enum FlowEvent: Sendable {
    case chooseFlow(String)
    /// An event of the current step's method (``ContactCodeEvent``, ``QuestionsEvent``, ``TOTPEvent``, …).
    case step(any MethodEvent)
}

/// What the runner must do after a transition, in the same transaction as storing the flow.
public enum FlowEffect: Sendable, Equatable {
    /// Send `code` over `channel` to `recipient` (through the outbox).
    case send(channel: MessageChannel, recipient: String, code: String, lifetime: Int)
    /// A decoy flow "sends": the runner writes a suppressed outbox row, so the work and timing match a real send.
    case pretendSend(channel: MessageChannel)
    /// Count one send against the user's hourly limit.
    case countSend
    /// The submission was a wrong answer (code, authenticator code, answers, typed contact, resync): the runner keeps
    /// the guess it charged to the user's budget before the check (``GuessBudgetState``); without it the charge is
    /// refunded.
    case wrongAnswer
    /// Tell the user on every verified contact that recovery is paused for their account until `until`.
    case notifyPaused(until: Date)
    case audit(event: String, outcome: String, reason: String)
    /// Tell the user on every enrolled contact that their identity was verified for recovery (so a takeover by
    /// someone who passed the steps does not go unnoticed).
    case notifyVerified
}

/// Everything random or time-dependent a transition may use, so the machine stays pure.
public struct FlowInputs: Sendable {
    public var now: Date
    /// Eight CSPRNG digits; a sent code is their prefix.
    public var freshCode: String
    /// CSPRNG bytes for picking questions.
    public var random: [UInt8]
    /// The key of the code HMACs (from ``StableSecret``, so a code sent before a key rotation still matches after it).
    public var codeKey: SymmetricKey
    /// Codes already sent to this user in the current hour.
    public var sendsThisHour: Int

    public init(now: Date, freshCode: String, random: [UInt8], codeKey: SymmetricKey, sendsThisHour: Int) {
        self.now = now; self.freshCode = freshCode; self.random = random; self.codeKey = codeKey; self.sendsThisHour = sendsThisHour
    }
}

/// The verification flow as a pure state machine: `flow` + event → new `flow` + effects.
///
/// The machine knows steps, not methods: it enters each step of the chosen flow through the step's
/// ``VerificationMethod`` (from ``MethodRegistry``), hands it the step's events, and applies what the method answers
/// (pass, a wrong guess, or stay with effects); counting wrong guesses, failing and verifying are the machine's.
///
/// Anti-enumeration is explicit: a step whose data is missing (or every step of an unknown user's flow) is
/// entered with `decoy = true`; it shows decoy contacts or questions, answers exactly like a real step, pretends
/// to send, and can never pass (each method says how it pretends).
public struct FlowStateMachine: Sendable {
    public let config: RecoveryConfig
    public let profile: RecoveryProfile
    public let methods: MethodRegistry
    /// The recovery actions whose assurance decides the grants (the service's registry; tests add their own).
    public let actions: ActionRegistry
    public private(set) var flow: RecoveryFlow

    public init(config: RecoveryConfig, profile: RecoveryProfile, flow: RecoveryFlow, methods: MethodRegistry = .standard,
                actions: ActionRegistry = .standard) {
        self.config = config; self.profile = profile; self.flow = flow; self.methods = methods; self.actions = actions
    }

    /// Starts a new flow: with a single flow definition, its first step is entered at once.
    public mutating func start(_ inputs: FlowInputs) -> [FlowEffect] {
        var effects: [FlowEffect] = [.audit(event: "recovery.start", outcome: "ok", reason: profile.isDecoy ? "decoy flow" : "")]
        if config.flows.count == 1 { effects += enterFlow(config.flows[0], inputs) }
        return effects
    }

    /// Applies one event. Events that do not fit the phase change nothing and add a notice.
    public mutating func handle(_ event: FlowEvent, _ inputs: FlowInputs) -> [FlowEffect] {
        flow.notices = []
        switch (flow.phase, event) {
        case (.chooseFlow, .chooseFlow(let id)):
            guard let def = config.flow(id) else { return notice("error.flow_unknown") }
            return enterFlow(def, inputs)
        case (_, .step(let event)):
            guard var step = flow.step, let method = methods.method(step.type), let entry = config.method(step.methodID),
                  let result = method.handleStep(event, step: &step, entry: entry, context(decoy: step.decoy, inputs)) else {
                return notice("error.unexpected")
            }
            flow.step = step
            switch result {
            case .passed(let reason): return pass(inputs, reason)
            case .wrong(let noticeID, let reason): return wrong(noticeID, reason)
            case .stays(let phase, let notices, let effects):
                if let phase { flow.phase = phase }
                flow.notices = notices
                return effects
            }
        default:
            return notice("error.unexpected")
        }
    }

    /// Uses the grant for `action` once; false when there is none, it expired or it was used.
    public mutating func useGrant(_ action: RecoveryActionID, now: Date) -> Bool {
        guard flow.phase == .verified, let i = flow.grants.firstIndex(where: { $0.action == action }),
              flow.grants[i].usedAt == nil, flow.grants[i].expiresAt > now else { return false }
        flow.grants[i].usedAt = now
        return true
    }

    // MARK: transitions

    private mutating func enterFlow(_ def: FlowDefinition, _ inputs: FlowInputs) -> [FlowEffect] {
        flow.definitionID = def.id
        flow.stepIndex = 0
        return [.audit(event: "recovery.choose", outcome: "ok", reason: def.id)] + enterStep(inputs)
    }

    private mutating func enterStep(_ inputs: FlowInputs) -> [FlowEffect] {
        guard let def = flow.definitionID.flatMap(config.flow) else { return fail("configuration changed") }
        if flow.stepIndex >= def.steps.count {
            flow.phase = .verified
            flow.step = nil
            let until = inputs.now.addingTimeInterval(TimeInterval(config.limits.grantLifetime))
            // Why filtered: a configuration stored before the assurance rules must not grant more than the steps prove.
            let reached = ActionAssurance.reached(by: def.steps.compactMap { config.method($0)?.type }, methods: methods)
            flow.grants = def.actions.filter { reached >= ActionAssurance.required(for: $0.rawValue, actions: actions) }.map { ActionGrant(action: $0, expiresAt: until) }
            // A verified flow lives as long as its grants.
            flow.expiresAt = until
            return [.audit(event: "recovery.verified", outcome: "success", reason: def.actions.map(\.rawValue).joined(separator: ",")), .notifyVerified]
        }
        guard let entry = config.method(def.steps[flow.stepIndex]), let method = methods.method(entry.type) else { return fail("configuration changed") }
        let entered = method.enterStep(entry, context(decoy: profile.isDecoy, inputs))
        flow.step = StepState(methodID: entry.id, type: entry.type, decoy: entered.decoy, state: entered.state)
        flow.phase = entered.phase
        return []
    }

    /// What the current step's method may use (`decoy`: the flow's when entering, the step's when handling).
    private func context(decoy: Bool, _ inputs: FlowInputs) -> StepContext {
        StepContext(phase: flow.phase, flowID: flow.id, stepIndex: flow.stepIndex, decoy: decoy, language: flow.language,
                    inputs: inputs, config: config, profile: profile)
    }

    /// "2026-12-03 20:15 UTC": a time the pages show (minutes rounded up, so it is never too early).
    public static func timeText(_ date: Date) -> String {
        let rounded = Date(timeIntervalSince1970: (date.timeIntervalSince1970 / 60).rounded(.up) * 60)
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        let c = calendar.dateComponents([.year, .month, .day, .hour, .minute], from: rounded)
        return String(format: "%04d-%02d-%02d %02d:%02d UTC", c.year ?? 0, c.month ?? 0, c.day ?? 0, c.hour ?? 0, c.minute ?? 0)
    }

    private mutating func pass(_ inputs: FlowInputs, _ reason: String) -> [FlowEffect] {
        let audit = FlowEffect.audit(event: "recovery.step", outcome: "success", reason: reason)
        flow.stepIndex += 1
        return [audit] + enterStep(inputs)
    }

    private mutating func wrong(_ noticeID: String, _ reason: String) -> [FlowEffect] {
        flow.step?.wrong += 1
        flow.notices = [FlowNotice(noticeID)]
        let effects: [FlowEffect] = [.audit(event: "recovery.step", outcome: "failure", reason: reason), .wrongAnswer]
        if (flow.step?.wrong ?? 0) >= config.limits.wrongPerStep { return effects + fail("too many wrong submissions") }
        return effects
    }

    private mutating func fail(_ reason: String) -> [FlowEffect] {
        flow.phase = .failed
        flow.step = nil
        flow.notices = [FlowNotice("error.flow_failed")]
        return [.audit(event: "recovery.failed", outcome: "failure", reason: reason)]
    }

    private mutating func notice(_ id: String) -> [FlowEffect] {
        flow.notices = [FlowNotice(id)]
        return []
    }

}
