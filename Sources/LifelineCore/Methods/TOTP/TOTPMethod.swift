import Foundation

extension VerificationMethodType {
    /// A code from the user's authenticator (their TOTP token).
    public static let totp = VerificationMethodType("totp")
}

extension FlowPhase {
    /// The user types a code from the authenticator.
    public static let enterTOTP = FlowPhase(rawValue: "enter_totp")
    /// The authenticator drifted: the user types two consecutive codes.
    public static let resyncTOTP = FlowPhase(rawValue: "resync_totp")
}

/// The outcome of checking an authenticator code for a flow.
public enum TOTPStepOutcome: String, Sendable, Equatable { case accepted, resyncNeeded, rejected }

/// The events of an authenticator step.
public enum TOTPEvent: MethodEvent, Equatable {
    case totp(TOTPStepOutcome)
    /// The user's authenticator is locked (`until` nil) or throttled until then: the code was not checked.
    case totpUnavailable(until: Date?)
    case totpResync(ok: Bool)
}

extension FlowEvent {
    public static func totp(_ outcome: TOTPStepOutcome) -> FlowEvent { .step(TOTPEvent.totp(outcome)) }
    public static func totpUnavailable(until: Date?) -> FlowEvent { .step(TOTPEvent.totpUnavailable(until: until)) }
    public static func totpResync(ok: Bool) -> FlowEvent { .step(TOTPEvent.totpResync(ok: ok)) }
}

/// A code from the user's authenticator app, checked against their TOTP tokens by the runner (``ValidationService``).
/// Proves the authenticator. Takes no settings: the token's own apply.
public struct TOTPMethod: VerificationMethod {
    public init() {}
    public var type: VerificationMethodType { .totp }
    public var defaultSettings: NoSettings { NoSettings() }
    public var factor: String? { "authenticator" }
    public var profileData: [ProfileData] { [.authenticator] }

    /// Anti-enumeration: without a usable token (or for a decoy flow) the step asks for a code it never accepts.
    public func enter(_ settings: NoSettings, _ context: StepContext) -> StepEntry<NoState> {
        StepEntry(phase: .enterTOTP, state: NoState(), decoy: context.decoy || !context.profile.hasTOTP)
    }

    public func handle(_ event: any MethodEvent, state: inout NoState, settings: NoSettings, _ context: StepContext) -> StepResult? {
        switch (context.phase, event as? TOTPEvent) {
        case (.enterTOTP, .totp(let outcome)?):
            switch outcome {
            case .accepted where !context.decoy: return .passed(reason: "authenticator code accepted")
            case .resyncNeeded where !context.decoy:
                return .stays(phase: .resyncTOTP, notices: [FlowNotice("info.totp_resync", .info)],
                              effects: [.audit(event: "recovery.step", outcome: "resync_needed", reason: "authenticator drifted")])
            default: return .wrong(notice: "error.code_wrong", reason: "wrong authenticator code")
            }
        case (.enterTOTP, .totpUnavailable(let until)?):
            return unavailable(until: until, context)
        case (.resyncTOTP, .totpResync(let ok)?):
            return ok && !context.decoy ? .passed(reason: "authenticator resynchronized") : .wrong(notice: "error.resync_failed", reason: "resync failed")
        default:
            return nil
        }
    }

    /// A locked or throttled authenticator. Why said only after a passed step: a token's state is the user's, so it is
    /// shown only to someone who has already proved a factor (a decoy step never passes, so a decoy flow and a flow
    /// that starts with the authenticator answer exactly like a wrong code). Not counted as a wrong submission: the code
    /// was not checked, so it was no guess. Offers the tenant's flow that can unlock the authenticator without it.
    private func unavailable(until: Date?, _ context: StepContext) -> StepResult {
        guard context.stepIndex > 0, !context.decoy else { return .wrong(notice: "error.code_wrong", reason: "wrong authenticator code") }
        var notices = [until.map { FlowNotice("error.totp_throttled", args: ["until": TimeText.format($0, config: context.config, language: context.language)]) } ?? FlowNotice("error.totp_locked")]
        if let unlock = Self.unlockFlow(context.config) {
            notices.append(FlowNotice("info.unlock_authenticator", .info, args: ["flow": unlock.name(in: context.language)]))
        }
        return .stays(notices: notices, effects: [.audit(event: "recovery.step", outcome: "refused", reason: until == nil ? "authenticator locked" : "authenticator throttled")])
    }

    /// The first flow of the tenant that grants `unlock-authenticator` and has no authenticator step (nil: none).
    static func unlockFlow(_ config: RecoveryConfig) -> FlowDefinition? {
        config.flows.first { def in
            def.actions.contains(.unlockAuthenticator) && !def.steps.contains { config.method($0)?.type == .totp }
        }
    }

    public func view(_ state: NoState, settings: NoSettings, _ context: StepViewContext) -> StepView {
        let t = context.text
        if context.phase == .resyncTOTP {
            return StepView(prompt: t("prompt.totp_resync", [:]), fields: [
                FlowField(name: "code", type: "code", label: t("field.totp_code_first", [:]), required: true, options: nil, autocomplete: "off"),
                FlowField(name: "code_next", type: "code", label: t("field.totp_code_next", [:]), required: true, options: nil, autocomplete: "off"),
            ])
        }
        return StepView(prompt: t("prompt.totp", [:]),
                        fields: [FlowField(name: "code", type: "code", label: t("field.totp_code", [:]), required: true, options: nil, autocomplete: "one-time-code")])
    }

    public func event(_ phase: FlowPhase, state: NoState, _ env: StepEnvironment) async throws -> any MethodEvent {
        if phase == .resyncTOTP {
            return TOTPEvent.totpResync(ok: try await env.resyncTOTP(try env.code("code"), try env.code("code_next")))
        }
        let c = try env.code("code")
        guard (try? Validation.otpCode(c)) != nil else { return TOTPEvent.totp(.rejected) }
        // Only the user's TOTP tokens, by the flow's user id; wrong codes count on no token (see checkRecoveryTOTP).
        switch try await env.checkTOTP(c) {
        case .accepted: return TOTPEvent.totp(.accepted)
        case .resyncNeeded: return TOTPEvent.totp(.resyncNeeded)
        case .rejected: return TOTPEvent.totp(.rejected)
        case .locked: return TOTPEvent.totpUnavailable(until: nil)
        case .throttled(let until): return TOTPEvent.totpUnavailable(until: until)
        }
    }

    public func isGuess(_ phase: FlowPhase, fields: [String: String]) -> Bool { true }
}
