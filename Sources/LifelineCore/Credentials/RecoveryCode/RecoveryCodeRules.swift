import Foundation

/// When a user's set of recovery codes ends because of something the core decides, and the audit record of that.
/// The adapter only executes what these rules compose into a ``UnitOfWork``; it decides nothing.
public enum RecoveryCodeRules {
    /// What ended a set, as its `revoked_reason` and the reason of its `recovery_codes.revoke` audit record.
    public enum Trigger: String, Sendable {
        /// A new set replaces an active one. Why: one set per user; the old codes must not stay valid beside the new ones.
        case replaced = "replaced by a new set"
        /// Wrong guesses at the codes reached the limit (the OTP policy's `max_fail`, 100 by default). Why: the codes are
        /// long-lived secrets, so online guessing must end before it can find one: 100 guesses at 70 secret bits succeed
        /// with odds below 100 / 2^70 ≈ 8·10⁻¹⁹ even for a guesser who knows the lookups (docs/security.md).
        case tooManyFailures = "too many wrong codes"
    }

    /// Records in `work` the revocation of the user's active set because of `trigger` at `time` (nil: `record`'s time),
    /// and its audit record only if a set was revoked. `condition`: the revocation runs only if it holds.
    public static func revokeSet(in work: inout UnitOfWork, userID: UUID, because trigger: Trigger, at time: Date? = nil,
                                 after record: AuditRecord, if condition: UnitOfWork.Condition = .always) {
        let revoked = work.revokeRecoveryCodes(userID: userID, reason: trigger.rawValue, at: time ?? record.time, if: condition)
        work.append(revocationRecord(after: record, reason: trigger.rawValue), if: .changed(revoked))
    }

    /// Records in `work` one wrong guess at the user's active set, audited with `audit`, and the set's revocation at
    /// `now` when the fail count reaches `maxFailures`.
    public static func countFailure(in work: inout UnitOfWork, userID: UUID, now: Date, maxFailures: Int, audit: AuditRecord) {
        let counted = work.countRecoveryCodeFailure(userID: userID)
        work.append(audit)
        revokeSet(in: &work, userID: userID, because: .tooManyFailures, at: now, after: audit,
                  if: .failCountReached(counted, limit: maxFailures))
    }

    /// The `recovery_codes.revoke` record of a revocation caused by the change audited as `trigger` (same time, tenant,
    /// actor, subject and source).
    public static func revocationRecord(after trigger: AuditRecord, reason: String) -> AuditRecord {
        AuditRecord(time: trigger.time, tenant: trigger.tenant, actor: trigger.actor, subject: trigger.subject, event: "recovery_codes.revoke",
                    outcome: "success", reason: reason, source: trigger.source)
    }
}
