import Foundation

/// Users' saved recovery codes: one set per user, each code stored as its lookup and a salted slow hash.
///
/// Contract:
/// - The store only reads here. A set is issued, a code used, a wrong guess counted and a set revoked through the
///   ``TransactionStore`` (``TransactionStore/putRecoveryCodes(_:codes:outbox:audit:)``,
///   ``TransactionStore/useRecoveryCode(userID:setID:lookup:now:outbox:audit:)``,
///   ``TransactionStore/recordRecoveryCodeFailure(userID:now:maxFailures:audit:)``,
///   ``TransactionStore/revokeRecoveryCodes(userID:reason:audit:)``), whose revocations and audit records the core
///   composes (``RecoveryCodeRules``).
/// - ``UnitOfWork/Operation/useRecoveryCode(userID:setID:lookup:at:)`` is the single-use guard: one atomic conditional
///   update, so that of any number of concurrent uses of one code exactly one succeeds.
public protocol RecoveryCodeStore: Sendable {
    /// The user's set (any status) with its count of unused codes, or nil when the user never had one.
    func recoveryCodeSet(userID: UUID) async throws -> RecoveryCodeSet?
    /// The user's set and its code with `lookup` (nil when there is none), in one query: what a validation reads.
    func recoveryCode(userID: UUID, lookup: String) async throws -> (set: RecoveryCodeSet, code: StoredRecoveryCode?)?
}
