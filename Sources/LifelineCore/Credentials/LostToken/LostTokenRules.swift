import Foundation

/// When a lost token's temporary code ends because something else changed (seed 000's deactivation rules, as for the
/// emergency code: ``EmergencyCodeRules``), and the audit record of that.
///
/// Why these triggers: the code stands in for a token the user does not have.
/// - A token of the user made active again (enabled, reset, unlocked) is how the helpdesk says "found": the user has
///   an authenticator again, so the stand-in would only be a spare way in.
/// - A token enrolled for the user replaces the lost one for good.
/// The end is part of the same transaction as its trigger: if the trigger fails, the code stays.
public enum LostTokenRules {
    /// What ended a temporary code, as its `ended_reason` and the reason of its `token.lost_end` audit record.
    public enum Trigger: String, Sendable {
        case tokenEnrolled = "token enrolled"
        case tokenActivated = "token activated"
        /// An administrator ended it (`DELETE …/tokens/{id}/lost`).
        case ended = "ended by an administrator"
        /// Wrong codes reached ``LostTokenFormat/maxFailures`` (why: a multi-use code must not be guessable for days).
        case tooManyFailures = "too many wrong codes"
        /// Wrong PINs with the right code reached ``TokenPIN/maxFailures`` (why: the token's own PIN rule, so that whoever
        /// learnt the code has no more PIN guesses than a thief holding the token).
        case tooManyWrongPINs = "too many wrong PINs"
    }

    /// Records in `work` the end of the user's live temporary codes because of `trigger`, and their `token.lost_end`
    /// audit record only if one ended. The record takes its time, tenant, actor and source from `record` (the trigger's
    /// own record) and names the user `username`. `condition`: the end runs only if it holds.
    public static func endCodes(in work: inout UnitOfWork, userID: UUID, username: String, because trigger: Trigger,
                                after record: AuditRecord, if condition: UnitOfWork.Condition = .always) {
        let ended = work.endLostTokens(userID: userID, reason: trigger.rawValue, at: record.time, if: condition)
        work.append(endRecord(after: record, subject: username, reason: trigger.rawValue), if: .changed(ended))
    }

    /// The `token.lost_end` record of an end caused by the change audited as `trigger`.
    public static func endRecord(after trigger: AuditRecord, subject: String, reason: String) -> AuditRecord {
        AuditRecord(time: trigger.time, tenant: trigger.tenant, actor: trigger.actor, subject: subject, event: "token.lost_end",
                    outcome: "success", reason: reason, source: trigger.source)
    }
}
