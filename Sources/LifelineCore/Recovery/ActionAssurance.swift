import Foundation

/// The proof a recovery action needs from the flow that unlocks it; each action declares its own
/// (``RecoveryAction/assurance``) (issue 13 item 11; NIST SP 800-63B-4 §4.2.2.2:
/// two recovery factors of different methods at AAL2).
///
/// | assurance | actions | the flow's passed steps must include |
/// |---|---|---|
/// | `any` | `selfservice`, `unlock-account` | any step (questions alone included) |
/// | `possession` | `reset-password`, `card-unblock` | one `sms`, `email`, `totp` or `recovery_code` step |
/// | `two-factors` | `emergency-code`, `unlock-authenticator`, and every action that does not say otherwise | two steps of different kinds among `sms` (a verified phone), `email` (a verified mailbox), `totp` (the authenticator) and `recovery_code` (the printed codes) |
///
/// Questions never count as a factor: answers are often researchable or guessable (SP 800-63B does not accept
/// them as an authenticator). Two steps of one kind (two SMS methods) are one factor: one SIM swap passes both.
public enum ActionAssurance: String, Sendable, CaseIterable, Comparable {
    case any
    case possession
    case twoFactors = "two-factors"

    /// The assurance `action` (an action id) needs: what the action of `actions` declares (``RecoveryAction/assurance``,
    /// with its reason next to it). Why an unknown id needs ``twoFactors``: an id no registered action has is refused
    /// with weak flows rather than guessed at.
    public static func required(for action: String, actions: ActionRegistry = .standard) -> ActionAssurance {
        actions.action(RecoveryActionID(rawValue: action))?.assurance ?? .twoFactors
    }

    /// The factor kind a passed step of `type` proves (the method's ``VerificationMethod/factor``); nil for questions
    /// (never a factor) and for a type `methods` does not know.
    public static func factor(_ type: VerificationMethodType, methods: MethodRegistry = .standard) -> String? {
        methods.method(type)?.factor
    }

    /// The assurance a flow with steps of `types` reaches.
    public static func reached(by types: [VerificationMethodType], methods: MethodRegistry = .standard) -> ActionAssurance {
        switch Set(types.compactMap { factor($0, methods: methods) }).count {
        case 0: .any
        case 1: .possession
        default: .twoFactors
        }
    }

    /// What this assurance asks of a flow, for refusals.
    public var rule: String {
        switch self {
        case .any: "any step"
        case .possession: "it needs at least one step that proves a factor: sms, email, totp or recovery_code (questions do not count)"
        case .twoFactors: "it replaces or bypasses a factor, so it needs two steps of different kinds among sms, email, totp and recovery_code (questions do not count; two of one kind are one factor)"
        }
    }

    public static func < (a: ActionAssurance, b: ActionAssurance) -> Bool {
        allCases.firstIndex(of: a)! < allCases.firstIndex(of: b)!
    }
}
