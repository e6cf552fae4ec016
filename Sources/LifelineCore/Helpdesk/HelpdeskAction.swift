import Foundation

/// A helpdesk action (issue 15 "Helpdesk actions"): what an operator does for a user on the phone. The ids are the
/// tenant settings' words (`helpdesk.four_eyes`, `helpdesk.require_caller_verification`), the API's and the audit's.
public enum HelpdeskAction: String, Sendable, Codable, CaseIterable {
    /// Clears a token's fail counter and throttle (and a lock): the token works again.
    case tokenReset = "token_reset"
    /// Resynchronises a token with two consecutive codes.
    case tokenResync = "token_resync"
    /// Disables a token (a lost phone).
    case tokenDisable = "token_disable"
    /// Enables a disabled token.
    case tokenEnable = "token_enable"
    /// Revokes the user's emergency access code.
    case emergencyCodeRevoke = "emergency_code_revoke"
    /// Lifts the pause and forgets the wrong answers of the user's recovery guessing budget.
    case budgetLift = "budget_lift"
    /// Issues a helpdesk emergency access code (like Entra's Temporary Access Pass).
    case helpdeskCode = "helpdesk_code"
    /// Blocks the user's Lifeline Authenticator PIN at this organization ("Block PIN", seed 002).
    case pinBlock = "pin_block"
    /// Displays a new unblocking code (UBC) for the user at this organization ("Display UBC", seed 002).
    case ubcDisplay = "ubc_display"
    /// Holds a PIN reset open for a few minutes while the user, present, sets a new PIN in the app (seed 004); the
    /// operator never sees the PIN.
    case pinResetPresent = "pin_reset_present"

    /// The permission the action needs (the requester's, and an approver's under four-eyes).
    public var permission: Permission {
        switch self {
        case .tokenReset, .tokenResync, .tokenDisable, .tokenEnable: .tokensManage
        case .emergencyCodeRevoke: .emergencyCodesRevoke
        case .budgetLift: .recoveryBudgetsLift
        case .helpdeskCode: .helpdeskCodesIssue
        case .pinBlock, .ubcDisplay, .pinResetPresent: .authenticatorsManage
        }
    }

    /// The audit event of the helpdesk record (`helpdesk.<id>`), written beside the change's own record.
    public var auditEvent: String { "helpdesk.\(rawValue)" }

    /// Whether the action names one of the user's tokens (`token_id`).
    public var needsToken: Bool { [.tokenReset, .tokenResync, .tokenDisable, .tokenEnable].contains(self) }
}
