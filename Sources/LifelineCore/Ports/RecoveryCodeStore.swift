import Foundation

/// Users' saved recovery codes: one set per user, each code stored as its lookup and a salted slow hash.
///
/// Contract:
/// - Every method that changes a set takes the audit record (and any notices for the outbox) of that change and writes
///   them in one transaction.
/// - ``useRecoveryCode(userID:setID:lookup:now:outbox:audit:)`` is the single-use guard: one atomic conditional update,
///   so that of any number of concurrent calls for one code exactly one succeeds.
public protocol RecoveryCodeStore: Sendable {
    /// Makes `codes` the user's set `set`, replacing any earlier set (whose codes are deleted; a usable earlier set is
    /// audited as revoked, reason "replaced by a new set"). Appends `audit` and queues `outbox`. One transaction; two
    /// concurrent calls leave exactly one whole set.
    func putRecoveryCodes(_ set: RecoveryCodeSet, codes: [StoredRecoveryCode], outbox: [OutboxMessage], audit: AuditRecord) async throws
    /// The user's set (any status) with its count of unused codes, or nil when the user never had one.
    func recoveryCodeSet(userID: UUID) async throws -> RecoveryCodeSet?
    /// The user's set and its code with `lookup` (nil when there is none), in one query: what a validation reads.
    func recoveryCode(userID: UUID, lookup: String) async throws -> (set: RecoveryCodeSet, code: StoredRecoveryCode?)?
    /// Marks the code `lookup` of set `setID` used — only if it is unused and the set is still the user's active one —,
    /// clears the set's fail count, appends `audit` and queues `outbox`. Returns whether it did (false: used by a
    /// concurrent request, or the set was revoked or replaced meanwhile; nothing written).
    func useRecoveryCode(userID: UUID, setID: UUID, lookup: String, now: Date, outbox: [OutboxMessage], audit: AuditRecord) async throws -> Bool
    /// A wrong guess at the codes of a user with an active set: adds one to the set's fail count, revoking the set
    /// ("too many wrong codes", with its own `recovery_codes.revoke` record) when it reaches `maxFailures`. Appends
    /// `audit`. One transaction.
    func recordRecoveryCodeFailure(userID: UUID, now: Date, maxFailures: Int, audit: AuditRecord) async throws
    /// Revokes the user's active set (`revoked_at` = the audit time) and appends `audit`. Returns false, writing
    /// nothing, when the user has no active set.
    func revokeRecoveryCodes(userID: UUID, reason: String, audit: AuditRecord) async throws -> Bool
}
