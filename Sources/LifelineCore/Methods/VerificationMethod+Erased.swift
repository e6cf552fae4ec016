import Foundation

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
