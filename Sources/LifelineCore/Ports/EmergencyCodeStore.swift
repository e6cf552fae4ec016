import Foundation

/// Users' emergency access codes (at most one row per user), stored as HMACs.
///
/// Contract:
/// - Every method that changes a code takes the audit record of that change and writes both in one transaction.
/// - ``useEmergencyCode(userID:hash:now:audit:)`` is the use-count guard: it must be one atomic conditional update, so
///   that of any number of concurrent calls with a code that has `n` uses left exactly `n` succeed.
/// - A code whose `expires_at` has passed counts as expired everywhere (it is neither used, nor counted, nor revoked),
///   although its stored status stays `active`.
/// - Revocation because something else changed (a contact added, a token enrolled or made active) is no rule of the
///   store: the core composes it into that change's unit of work (``EmergencyCodeRules``, ``TransactionStore``).
public protocol EmergencyCodeStore: Sendable {
    /// Makes `code` the user's emergency code, replacing any earlier one; a usable earlier one is first revoked
    /// ("replaced by a new code", with its own `emergency_code.revoke` record). Appends `audit`. One transaction.
    func putEmergencyCode(_ code: StoredEmergencyCode, audit: AuditRecord) async throws
    /// The user's code (any status), or nil when the user never had one.
    func emergencyCode(userID: UUID) async throws -> StoredEmergencyCode?
    /// Records one successful use — only if the code with `hash` is active, unexpired at `now` and has uses left:
    /// decrements `uses_left` (→ `used_up` at 0), adds one to `used_count`, clears the failure count, and appends
    /// `audit`. Returns whether it did (false: used up, expired, revoked or replaced meanwhile; nothing written).
    func useEmergencyCode(userID: UUID, hash: String, now: Date, audit: AuditRecord) async throws -> Bool
    /// A wrong guess at the emergency code of a user with a usable one: adds one to the code's failure count,
    /// revoking the code ("too many wrong codes", with its own audit record) when it reaches `maxFailures`; appends
    /// `audit`. One transaction. Why the tokens are not touched: a guess at the code is no guess at an OTP, and wrong
    /// OTPs must not revoke the code (nor emergency-code guesses throttle the tokens).
    func recordEmergencyCodeFailure(userID: UUID, now: Date, maxFailures: Int, audit: AuditRecord) async throws
    /// Revokes the user's usable code (status `revoked`, `revoked_at` = the audit time, `revoked_reason` = `reason`)
    /// and appends `audit`. Returns false, writing nothing, when the user has no usable code.
    func revokeEmergencyCode(userID: UUID, reason: String, audit: AuditRecord) async throws -> Bool
}
