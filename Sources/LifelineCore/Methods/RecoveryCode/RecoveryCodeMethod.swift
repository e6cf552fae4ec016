import Foundation

extension VerificationMethodType {
    /// One of the user's saved recovery codes (docs/recovery-codes.md).
    public static let recoveryCode = VerificationMethodType("recovery_code")
}

extension FlowPhase {
    /// The user types one of their saved recovery codes.
    public static let enterRecoveryCode = FlowPhase(rawValue: "enter_recovery_code")
}

/// The event of a recovery-code step: the code, checked (and on accept consumed) by the credential registry.
public enum RecoveryCodeEvent: MethodEvent, Equatable {
    case recoveryCode(accepted: Bool)
}

extension FlowEvent {
    public static func recoveryCode(accepted: Bool) -> FlowEvent { .step(RecoveryCodeEvent.recoveryCode(accepted: accepted)) }
}

/// A saved recovery code (NIST SP 800-63B-4 §4.2.1.1 "look-up secret"; Kratos' lookup secrets), checked through the
/// credential registry (``StepEnvironment/checkCredential``): accepted once — the code is consumed, so it fails later
/// at `/validate` and in other flows — audited as `recovery.recovery_code` and notified as every use of a code is.
/// Takes no settings: the set's own rules apply (docs/recovery-codes.md).
///
/// Its factor is a kind of its own, `recovery_code`: the printed list is something the user has, kept apart from the
/// phone, the mailbox and the authenticator (a SIM swap, a mailbox takeover or a stolen phone with the app does not
/// give it), so `sms` + `recovery_code` is two factors. Why not the authenticator's kind: the codes are made to replace
/// the authenticator when it is lost, so they must not be the same single point of failure.
public struct RecoveryCodeMethod: VerificationMethod {
    public init() {}
    public var type: VerificationMethodType { .recoveryCode }
    public var defaultSettings: NoSettings { NoSettings() }
    public var factor: String? { "recovery_code" }
    /// Why: every submission costs one scrypt (a real code's hash or a dummy's), so submissions are limited per address
    /// and per flow before any hashing, as for the questions step.
    public var limitsSubmissionRate: Bool { true }

    /// Anti-enumeration: a decoy flow asks for a code like a real one. Whether the user has an active set is not read
    /// here (the profile does not carry it): a user without one gets the same page and the same slow hash on a dummy
    /// from the credential, and never passes.
    public func enter(_ settings: NoSettings, _ context: StepContext) -> StepEntry<NoState> {
        StepEntry(phase: .enterRecoveryCode, state: NoState(), decoy: context.decoy)
    }

    public func handle(_ event: any MethodEvent, state: inout NoState, settings: NoSettings, _ context: StepContext) -> StepResult? {
        guard context.phase == .enterRecoveryCode, case .recoveryCode(let accepted)? = event as? RecoveryCodeEvent else { return nil }
        return accepted && !context.decoy ? .passed(reason: "recovery code accepted") : .wrong(notice: "error.code_wrong", reason: "wrong recovery code")
    }

    public func view(_ state: NoState, settings: NoSettings, _ context: StepViewContext) -> StepView {
        // A text field, not a numeric one: a code has letters. Autocomplete off: a code is never to be remembered by a browser.
        StepView(prompt: context.text("prompt.recovery_code", [:]),
                 fields: [FlowField(name: "code", type: "text", label: context.text("field.recovery_code", [:]), required: true, options: nil, autocomplete: "off")])
    }

    public func event(_ phase: FlowPhase, state: NoState, _ env: StepEnvironment) async throws -> any MethodEvent {
        // As printed, with or without its separators (the credential reads it with RecoveryCodeFormat.normalize).
        let code = try env.field("code")
        let outcome = try await env.checkCredential(.recoveryCode, code)
        return RecoveryCodeEvent.recoveryCode(accepted: outcome.result == .accept && !env.decoy)
    }

    /// Every submission is a guess at a code: charged to the user's guessing budget before it is checked.
    public func isGuess(_ phase: FlowPhase, fields: [String: String]) -> Bool { true }
}
