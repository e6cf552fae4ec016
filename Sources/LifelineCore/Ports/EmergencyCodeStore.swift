import Foundation

/// Users' emergency access codes (at most one row per user), stored as HMACs.
///
/// Contract:
/// - Every method that changes a code takes the audit record of that change and writes both in one transaction.
/// - ``useEmergencyCode(userID:hash:now:audit:)`` is the use-count guard: it must be one atomic conditional update, so
///   that of any number of concurrent calls with a code that has `n` uses left exactly `n` succeed.
/// - A code whose `expires_at` has passed counts as expired everywhere (it is neither used, nor counted, nor revoked),
///   although its stored status stays `active`.
/// - A code is issued (replacing the earlier one) and a wrong guess at it is counted through the ``TransactionStore``
///   (``TransactionStore/putEmergencyCode(_:audit:)``, ``TransactionStore/recordEmergencyCodeFailure(userID:now:maxFailures:audit:)``).
/// - Revocation because something else changed (a contact added, a token enrolled or made active) is no rule of the
///   store: the core composes it into that change's unit of work (``EmergencyCodeRules``, ``TransactionStore``).
public protocol EmergencyCodeStore: Sendable {
    /// The user's code (any status), or nil when the user never had one.
    func emergencyCode(userID: UUID) async throws -> StoredEmergencyCode?
    /// Records one successful use — only if the code with `hash` is active, unexpired at `now` and has uses left:
    /// decrements `uses_left` (→ `used_up` at 0), adds one to `used_count`, clears the failure count, and appends
    /// `audit`. Returns whether it did (false: used up, expired, revoked or replaced meanwhile; nothing written).
    func useEmergencyCode(userID: UUID, hash: String, now: Date, audit: AuditRecord) async throws -> Bool
    /// Revokes the user's usable code (status `revoked`, `revoked_at` = the audit time, `revoked_reason` = `reason`)
    /// and appends `audit`. Returns false, writing nothing, when the user has no usable code.
    func revokeEmergencyCode(userID: UUID, reason: String, audit: AuditRecord) async throws -> Bool
}
