import Foundation

/// A kind of identity proof a verification step can ask for (a Kratos "strategy"): SMS, email, questions, TOTP.
///
/// A method is one type plus one line in ``MethodRegistry/standard``. The flow machine knows steps, not methods:
/// it asks the step's method to *enter* the step and to *handle* events, and the method answers with a
/// ``StepResult`` (pass, a wrong guess, or stay with effects). The method also names the fields the flow
/// document shows, turns submitted fields into its events (through the runner's ``StepEnvironment`` for checks
/// that need storage or slow hashing), and says which assurance factor a passed step proves.
///
/// Anti-enumeration: a method must enter a step for a decoy (an unknown user, or a user without the data the step
/// needs) so that it looks and answers exactly like a real step, does the same work, and never passes. How it
/// pretends is the method's to say, in ``enter(_:_:)``.
public protocol VerificationMethod: Sendable {
    /// The settings of one configured entry of this method, decoded from the tenant configuration (beside `id` and
    /// `type`; unknown keys are refused per method by the settings' decoder).
    associatedtype Settings: MethodSettings
    /// The state this method keeps in a flow's current step (persisted with the flow, flat beside ``StepState``'s
    /// own keys).
    associatedtype State: MethodStepState

    /// The stable type id, as written in the tenant configuration (`type: sms`) and in audit reasons.
    var type: VerificationMethodType { get }
    /// The settings of an entry that lists none.
    var defaultSettings: Settings { get }
    /// The factor kind a passed step proves (`phone`, `mailbox`, `authenticator`); nil when it proves none (answers
    /// to questions). Two steps of one factor kind are one factor (``ActionAssurance``).
    var factor: String? { get }
    /// The data of the user's profile this method reads (documentation; the profile is always loaded whole, so real
    /// and decoy flows do the same work).
    var profileData: [ProfileData] { get }

    /// Problems of one configured entry (`key` nil: the entry as a whole), within the whole configuration.
    func problems(_ settings: Settings, in config: RecoveryConfig) -> [(key: String?, reason: String)]

    /// Enters a step: the step's first phase, its state, and whether it is a decoy. `context.decoy` is true when
    /// the whole flow is a decoy; a method also enters as a decoy when the user lacks its data.
    func enter(_ settings: Settings, _ context: StepContext) -> StepEntry<State>
    /// Applies one of this method's events in `context.phase`; nil when the event does not fit the phase (the
    /// machine then changes nothing and adds the notice `error.unexpected`).
    func handle(_ event: any MethodEvent, state: inout State, settings: Settings, _ context: StepContext) -> StepResult?

    /// The prompt and fields of the flow document in `phase` (the same for a real and a decoy step).
    func view(_ state: State, settings: Settings, _ context: StepViewContext) -> StepView
    /// Turns submitted fields into this method's event for `phase`, running the checks that need storage or slow
    /// hashing through `environment` — the same work for a decoy step, so timing tells nothing.
    func event(_ phase: FlowPhase, state: State, _ environment: StepEnvironment) async throws -> any MethodEvent

    /// Whether a submission in `phase` with `fields` checks something guessable (it is charged to the user's guessing
    /// budget before it is checked).
    func isGuess(_ phase: FlowPhase, fields: [String: String]) -> Bool
    /// Whether a submission in `phase` may send a message (the runner then reads the user's hourly send count).
    func maySend(_ phase: FlowPhase) -> Bool
    /// Whether submissions are limited per client address and per flow before any work (``QuestionStepLimiter``):
    /// for steps whose check is slow hashing.
    var limitsSubmissionRate: Bool { get }
}

extension VerificationMethod {
    public var profileData: [ProfileData] { [] }
    public func problems(_ settings: Settings, in config: RecoveryConfig) -> [(key: String?, reason: String)] { [] }
    public func maySend(_ phase: FlowPhase) -> Bool { false }
    public var limitsSubmissionRate: Bool { false }
}

/// What a method may read of the user's profile (``RecoveryProfile``).
public enum ProfileData: String, Sendable, CaseIterable {
    case phones, emails, answeredQuestions, authenticator
}

/// The settings of a configured method. Their decoder must refuse unknown keys (``ConfigKeyCheck``), allowing `id` and
/// `type`; they encode flat beside those two.
public protocol MethodSettings: Codable, Sendable, Equatable {}

/// A method's state in a flow's step. Its keys must not clash with ``StepState``'s own (`methodID`, `type`, `decoy`,
/// `wrong`).
public protocol MethodStepState: Codable, Sendable, Equatable {}

/// An event of one method (a typed contact, a code, answers checked, …), made by the method from submitted fields.
public protocol MethodEvent: Sendable {}

/// A method without settings (an entry with any key beside `id` and `type` is refused).
public struct NoSettings: MethodSettings {
    public init() {}
    public init(from decoder: any Decoder) throws { try ConfigKeyCheck.refuseUnknown(decoder, known: ["id", "type"]) }
    public func encode(to encoder: any Encoder) throws {}
}

/// A method without state beyond ``StepState``'s own.
public struct NoState: MethodStepState {
    public init() {}
    public init(from decoder: any Decoder) throws {}
    public func encode(to encoder: any Encoder) throws {}
}

/// How a method entered a step.
public struct StepEntry<State: MethodStepState>: Sendable {
    public var phase: FlowPhase
    public var state: State
    /// True when the step shows decoy data and can never pass.
    public var decoy: Bool
    public init(phase: FlowPhase, state: State, decoy: Bool) { self.phase = phase; self.state = state; self.decoy = decoy }
}

/// What a method's transition means for the flow.
public enum StepResult: Sendable, Equatable {
    /// The step passed: audited with `reason`, and the flow enters its next step (or is verified).
    case passed(reason: String)
    /// A wrong submission: counted, audited with `reason`, shown as the notice `notice`; the flow fails at the limit.
    case wrong(notice: String, reason: String)
    /// The step goes on: maybe in another phase, with these notices and effects.
    case stays(phase: FlowPhase? = nil, notices: [FlowNotice] = [], effects: [FlowEffect] = [])

    /// Stays, showing the error notice `id`.
    public static func notice(_ id: String) -> StepResult { .stays(notices: [FlowNotice(id)]) }
}

/// What a method's transition may use: where the flow stands, and everything random or time-dependent.
public struct StepContext: Sendable {
    public var phase: FlowPhase
    public var flowID: UUID
    /// The step's position in its flow (0 for the first).
    public var stepIndex: Int
    /// Entering: the whole flow is a decoy. Handling: this step is a decoy (it must never pass).
    public var decoy: Bool
    public var language: String
    public var inputs: FlowInputs
    public var config: RecoveryConfig
    public var profile: RecoveryProfile
}

/// What a method's document part may use.
public struct StepViewContext {
    public var phase: FlowPhase
    public var language: String
    public var config: RecoveryConfig
    /// A catalog text in the flow's language.
    public var text: (_ id: String, _ args: [String: String]) -> FlowText
}

/// A method's part of the flow document.
public struct StepView: Sendable {
    /// The prompt above the fields.
    public var prompt: FlowText
    public var fields: [FlowField]
    /// When "send again" becomes available (nil: no resend in this phase).
    public var resendAvailableAt: Date?
    public init(prompt: FlowText, fields: [FlowField], resendAvailableAt: Date? = nil) {
        self.prompt = prompt; self.fields = fields; self.resendAvailableAt = resendAvailableAt
    }
}
