import Foundation

/// The recovery-code changes, composed by the core (``RecoveryCodeRules``: the revocations and their audit records)
/// and executed in one transaction each. The adapter only runs the typed steps.
extension TransactionStore {
    /// Makes `codes` the user's set `set`, replacing any earlier set (whose codes are deleted); an active earlier set is
    /// first revoked ("replaced by a new set", with its own `recovery_codes.revoke` record). Appends `audit` and queues
    /// `outbox`. Two concurrent calls leave exactly one whole set.
    public func putRecoveryCodes(_ set: RecoveryCodeSet, codes: [StoredRecoveryCode], outbox: [OutboxMessage], audit: AuditRecord) async throws {
        try await transaction { tx in
            RecoveryCodeRules.revokeSet(in: &tx, userID: set.userID, because: .replaced, after: audit)
            tx.putRecoveryCodes(set, codes: codes)
            tx.append(audit)
            for m in outbox { tx.queue(m) }
        }
    }

    /// Marks the code `lookup` of set `setID` used — only if it is unused and the set is still the user's active one
    /// (the single-use guard, one conditional update) —, clears the set's fail count, appends `audit` and queues
    /// `outbox`. Returns whether it did (false: used by a concurrent request, or the set was revoked or replaced
    /// meanwhile; nothing written).
    public func useRecoveryCode(userID: UUID, setID: UUID, lookup: String, now: Date, outbox: [OutboxMessage], audit: AuditRecord) async throws -> Bool {
        var use: UnitOfWork.Ref?
        let outcome = try await transaction { tx in
            let used = tx.useRecoveryCode(userID: userID, setID: setID, lookup: lookup, at: now)
            // Why a use clears the count: the fail limit bounds consecutive wrong guesses, as for OTP tokens.
            tx.resetRecoveryCodeFailures(userID: userID, if: .changed(used))
            tx.append(audit, if: .changed(used))
            for m in outbox { tx.queue(m, if: .changed(used)) }
            use = used
        }
        return (use.map(outcome.changed) ?? 0) > 0
    }

    /// A wrong guess at the codes of a user with an active set: adds one to the set's fail count, revoking the set
    /// ("too many wrong codes", with its own `recovery_codes.revoke` record) when it reaches `maxFailures`. Appends
    /// `audit`. Why the tokens are not touched: a guess at a recovery code is no guess at an OTP.
    public func recordRecoveryCodeFailure(userID: UUID, now: Date, maxFailures: Int, audit: AuditRecord) async throws {
        try await transaction { tx in
            RecoveryCodeRules.countFailure(in: &tx, userID: userID, now: now, maxFailures: maxFailures, audit: audit)
        }
    }

    /// Revokes the user's active set (`revoked_at` = the audit time, `revoked_reason` = `reason`) and appends `audit`.
    /// Returns false, writing nothing, when the user has no active set.
    public func revokeRecoveryCodes(userID: UUID, reason: String, audit: AuditRecord) async throws -> Bool {
        var revoke: UnitOfWork.Ref?
        let outcome = try await transaction { tx in
            let ref = tx.revokeRecoveryCodes(userID: userID, reason: reason, at: audit.time)
            tx.append(audit, if: .changed(ref))
            revoke = ref
        }
        return (revoke.map(outcome.changed) ?? 0) > 0
    }
}
