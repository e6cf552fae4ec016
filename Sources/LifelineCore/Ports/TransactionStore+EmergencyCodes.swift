import Foundation

/// The emergency-code changes whose consequences are rules of the core (``EmergencyCodeRules``), composed once for
/// every caller and executed in one transaction.
extension TransactionStore {
    /// Makes `code` the user's emergency code, replacing any earlier one; a usable earlier one is first revoked
    /// ("replaced by a new code", with its own `emergency_code.revoke` record naming `audit`'s subject). Appends `audit`.
    public func putEmergencyCode(_ code: StoredEmergencyCode, audit: AuditRecord) async throws {
        try await transaction { tx in
            EmergencyCodeRules.revokeCode(in: &tx, userID: code.state.userID, username: audit.subject, because: .replaced, after: audit)
            tx.putEmergencyCode(code)
            tx.append(audit)
        }
    }

    /// A wrong guess at the emergency code of a user with a usable one: adds one to the code's failure count, revoking
    /// the code ("too many wrong codes", with its own audit record) when it reaches `maxFailures`; appends `audit`. Why
    /// the tokens are not touched: a guess at the code is no guess at an OTP, and wrong OTPs must not revoke the code
    /// (nor emergency-code guesses throttle the tokens).
    public func recordEmergencyCodeFailure(userID: UUID, now: Date, maxFailures: Int, audit: AuditRecord) async throws {
        try await transaction { tx in
            let counted = tx.countEmergencyCodeFailure(userID: userID, at: now, maxFailures: maxFailures)
            tx.append(audit)
            let reason = EmergencyCodeRules.Trigger.tooManyFailures.rawValue
            tx.append(EmergencyCodeRules.revocationRecord(after: audit, subject: audit.subject, reason: reason), if: .reachedLimit(counted))
        }
    }
}
