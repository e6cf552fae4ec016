import Foundation

/// When a user's emergency code ends because something else changed, and the audit record of that.
///
/// Why these triggers: the code stands in for a lost authenticator and was issued on the strength of the user's
/// contacts at that moment.
/// - A new contact may be the attacker's (the code could then be sent or confirmed there), so it ends the code.
/// - A token enrolled, or made active again (enabled, reset, unlocked), means the user has an authenticator again:
///   the code would only be a spare way in.
/// The revocation is part of the same transaction as its trigger: if the trigger fails, the code stays.
public enum EmergencyCodeRules {
    /// What ended a code, as its `revoked_reason` and the reason of its `emergency_code.revoke` audit record.
    public enum Trigger: String, Sendable {
        case contactAdded = "contact added"
        case tokenEnrolled = "token enrolled"
        case tokenActivated = "token activated"
        /// A new code replaces a usable one (why: one code per user; the old one must not stay valid beside it).
        case replaced = "replaced by a new code"
        /// Wrong guesses at the code reached the limit (why: the code is a shared secret that guessing must not find).
        case tooManyFailures = "too many wrong codes"
    }

    /// Records in `work` the revocation of the user's usable code because of `trigger`, and its audit record only if
    /// a code was revoked. The record takes its time, tenant, actor and source from `record` (the trigger's own audit
    /// record) and names the user `username`. `condition`: the revocation runs only if it holds (e.g. only if the
    /// trigger's write changed a row).
    public static func revokeCode(in work: inout UnitOfWork, userID: UUID, username: String, because trigger: Trigger,
                                  after record: AuditRecord, if condition: UnitOfWork.Condition = .always) {
        let revoked = work.revokeEmergencyCode(userID: userID, reason: trigger.rawValue, at: record.time, if: condition)
        work.append(revocationRecord(after: record, subject: username, reason: trigger.rawValue), if: .changed(revoked))
    }

    /// The `emergency_code.revoke` record of a revocation caused by the change audited as `trigger`.
    public static func revocationRecord(after trigger: AuditRecord, subject: String, reason: String) -> AuditRecord {
        AuditRecord(time: trigger.time, tenant: trigger.tenant, actor: trigger.actor, subject: subject, event: "emergency_code.revoke",
                    outcome: "success", reason: reason, source: trigger.source)
    }
}
