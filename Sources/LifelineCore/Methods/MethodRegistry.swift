import Foundation

/// The verification methods a server knows, by type id. The one list is ``standard``: adding a method is one type
/// plus one line there.
public struct MethodRegistry: Sendable {
    private let byType: [VerificationMethodType: any VerificationMethod]

    /// The methods, in the order of the list (later entries replace earlier ones of the same type).
    public init(_ methods: [any VerificationMethod]) {
        var byType: [VerificationMethodType: any VerificationMethod] = [:]
        for m in methods { byType[m.type] = m }
        self.byType = byType
    }

    /// Every method of Lifeline.
    public static let standard = MethodRegistry([
        SMSMethod(),
        EmailMethod(),
        QuestionsMethod(),
        TOTPMethod(),
    ])

    /// This registry with `methods` added.
    public func adding(_ methods: any VerificationMethod...) -> MethodRegistry {
        MethodRegistry(Array(byType.values) + methods)
    }

    /// The method of `type`; nil for a type this server does not know.
    public func method(_ type: VerificationMethodType) -> (any VerificationMethod)? { byType[type] }

    /// The known type ids, sorted (for messages).
    public var types: [String] { byType.keys.map(\.rawValue).sorted() }

    /// The registry decoders use (`userInfo[MethodRegistry.userInfoKey]`, else ``standard``).
    static func from(_ decoder: any Decoder) -> MethodRegistry {
        decoder.userInfo[userInfoKey] as? MethodRegistry ?? .standard
    }

    /// Set a ``MethodRegistry`` here in a decoder's `userInfo` to decode configurations and flows of other methods.
    public static let userInfoKey = CodingUserInfoKey(rawValue: "lifeline.methods")!
}

/// The stable type id of a verification method (`sms`, `email`, `questions`, `totp`, …). Each method's folder
/// declares its own constant (`VerificationMethodType.sms`).
public struct VerificationMethodType: RawRepresentable, Hashable, Sendable, Codable, CustomStringConvertible {
    public let rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue }
    public init(_ rawValue: String) { self.rawValue = rawValue }
    public var description: String { rawValue }
}

/// The erased calls the flow machine, the runner and the document make on `any VerificationMethod`: they cast the
/// stored settings and state to the method's own types (they are always the method's, as decoding and entering
/// made them).
extension VerificationMethod {
    func enterStep(_ entry: MethodConfig, _ context: StepContext) -> (phase: FlowPhase, state: any MethodStepState, decoy: Bool) {
        let e = enter(settings(entry), context)
        return (e.phase, e.state, e.decoy)
    }

    func handleStep(_ event: any MethodEvent, step: inout StepState, entry: MethodConfig, _ context: StepContext) -> StepResult? {
        guard var state = step.state as? State else { return nil }
        let result = handle(event, state: &state, settings: settings(entry), context)
        step.state = state
        return result
    }

    func viewStep(_ step: StepState, entry: MethodConfig?, _ context: StepViewContext) -> StepView? {
        guard let state = step.state as? State else { return nil }
        return view(state, settings: entry.map(settings) ?? defaultSettings, context)
    }

    func eventForStep(_ phase: FlowPhase, step: StepState, _ environment: StepEnvironment) async throws -> any MethodEvent {
        guard let state = step.state as? State else { throw LifelineError(.invalidRequest, "this flow expects no more submissions") }
        return try await event(phase, state: state, environment)
    }

    func entryProblems(_ entry: MethodConfig, in config: RecoveryConfig) -> [(key: String?, reason: String)] {
        problems(settings(entry), in: config)
    }

    func settings(_ entry: MethodConfig) -> Settings { entry.settings as? Settings ?? defaultSettings }

    func decodeSettings(from decoder: any Decoder) throws -> any MethodSettings { try Settings(from: decoder) }

    func decodeState(from decoder: any Decoder) throws -> any MethodStepState { try State(from: decoder) }
}

extension MethodSettings {
    func isEqual(_ other: any MethodSettings) -> Bool { (other as? Self) == self }
}

extension MethodStepState {
    func isEqual(_ other: any MethodStepState) -> Bool { (other as? Self) == self }
}
