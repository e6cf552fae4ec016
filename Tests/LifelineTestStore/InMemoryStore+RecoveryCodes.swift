import Foundation
import LifelineCore

/// The in-memory form of ``RecoveryCodeStore``: one set per user with its codes, under the store's one lock.
extension InMemoryStore: RecoveryCodeStore {
    public func recoveryCodeSet(userID: UUID) async throws -> RecoveryCodeSet? {
        read { s in s.recoveryCodeSets[userID].map { Self.counted($0, s) } }
    }

    public func recoveryCode(userID: UUID, lookup: String) async throws -> (set: RecoveryCodeSet, code: StoredRecoveryCode?)? {
        read { s in
            guard let set = s.recoveryCodeSets[userID] else { return nil }
            return (Self.counted(set, s), s.recoveryCodes[userID]?[lookup])
        }
    }

    // MARK: the steps of the unit of work (InMemoryStore+Transaction), as the SQL store runs them

    /// ``UnitOfWork/Operation/putRecoveryCodes(_:codes:)``.
    static func putRecoveryCodeSet(_ set: RecoveryCodeSet, codes: [StoredRecoveryCode], in s: inout State) {
        var stored = set
        stored.revokedAt = nil; stored.revokedReason = nil
        s.recoveryCodeSets[set.userID] = stored
        s.recoveryCodes[set.userID] = codes.reduce(into: [:]) { $0[$1.lookup] = $1 }
    }

    /// ``UnitOfWork/Operation/useRecoveryCode(userID:setID:lookup:at:)``: the single-use guard (unused, and the set still
    /// the user's active one).
    static func markRecoveryCodeUsed(userID: UUID, setID: UUID, lookup: String, at now: Date, in s: inout State) -> Bool {
        guard let set = s.recoveryCodeSets[userID], set.setID == setID, set.status == .active,
              var code = s.recoveryCodes[userID]?[lookup], code.usedAt == nil else { return false }
        code.usedAt = now
        s.recoveryCodes[userID]?[lookup] = code
        return true
    }

    /// ``UnitOfWork/Operation/resetRecoveryCodeFailures(userID:)``.
    static func resetRecoveryCodeFailCount(userID: UUID, in s: inout State) -> Bool {
        guard var set = s.recoveryCodeSets[userID], set.failCount != 0 else { return false }
        set.failCount = 0
        s.recoveryCodeSets[userID] = set
        return true
    }

    /// ``UnitOfWork/Operation/countRecoveryCodeFailure(userID:)``: the count afterwards (nil: no active set).
    static func countRecoveryCodeFailure(userID: UUID, in s: inout State) -> Int? {
        guard var set = s.recoveryCodeSets[userID], set.status == .active else { return nil }
        set.failCount += 1
        s.recoveryCodeSets[userID] = set
        return set.failCount
    }

    /// ``UnitOfWork/Operation/revokeRecoveryCodes(userID:reason:at:)``.
    static func revokeRecoveryCodeSet(userID: UUID, reason: String, at now: Date, in s: inout State) -> Bool {
        guard var set = s.recoveryCodeSets[userID], set.status == .active else { return false }
        set.status = .revoked; set.revokedAt = now; set.revokedReason = reason
        s.recoveryCodeSets[userID] = set
        return true
    }

    /// The set with its count of unused codes, as the SQL store reads it.
    static func counted(_ set: RecoveryCodeSet, _ s: State) -> RecoveryCodeSet {
        var set = set
        set.remaining = s.recoveryCodes[set.userID]?.values.filter { $0.usedAt == nil }.count ?? 0
        return set
    }
}
