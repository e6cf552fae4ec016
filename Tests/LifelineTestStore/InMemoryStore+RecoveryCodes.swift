import Foundation
import LifelineCore

/// The in-memory form of ``RecoveryCodeStore``: one set per user with its codes, under the store's one lock.
extension InMemoryStore: RecoveryCodeStore {
    public func putRecoveryCodes(_ set: RecoveryCodeSet, codes: [StoredRecoveryCode], outbox: [OutboxMessage], audit: AuditRecord) async throws {
        let key = try await auditKey()
        write { s in
            let replaced = s.recoveryCodeSets[set.userID]?.status == .active
            var stored = set
            stored.revokedAt = nil; stored.revokedReason = nil
            s.recoveryCodeSets[set.userID] = stored
            s.recoveryCodes[set.userID] = codes.map { ($0.lookup, $0) }.reduce(into: [:]) { $0[$1.0] = $1.1 }
            if replaced {
                Self.append(AuditRecord(time: audit.time, tenant: audit.tenant, actor: audit.actor, subject: audit.subject,
                                        event: "recovery_codes.revoke", outcome: "success", reason: "replaced by a new set", source: audit.source),
                            key: key, to: &s)
            }
            Self.append(audit, key: key, to: &s)
            s.outbox.append(contentsOf: outbox)
        }
    }

    public func recoveryCodeSet(userID: UUID) async throws -> RecoveryCodeSet? {
        read { s in s.recoveryCodeSets[userID].map { Self.counted($0, s) } }
    }

    public func recoveryCode(userID: UUID, lookup: String) async throws -> (set: RecoveryCodeSet, code: StoredRecoveryCode?)? {
        read { s in
            guard let set = s.recoveryCodeSets[userID] else { return nil }
            return (Self.counted(set, s), s.recoveryCodes[userID]?[lookup])
        }
    }

    public func useRecoveryCode(userID: UUID, setID: UUID, lookup: String, now: Date, outbox: [OutboxMessage], audit: AuditRecord) async throws -> Bool {
        let key = try await auditKey()
        return write { s in
            // The single-use guard: unused, and the set still the user's active one.
            guard var set = s.recoveryCodeSets[userID], set.setID == setID, set.status == .active,
                  var code = s.recoveryCodes[userID]?[lookup], code.usedAt == nil else { return false }
            code.usedAt = now
            s.recoveryCodes[userID]?[lookup] = code
            set.failCount = 0
            s.recoveryCodeSets[userID] = set
            Self.append(audit, key: key, to: &s)
            s.outbox.append(contentsOf: outbox)
            return true
        }
    }

    public func recordRecoveryCodeFailure(userID: UUID, now: Date, maxFailures: Int, audit: AuditRecord) async throws {
        let key = try await auditKey()
        write { s in
            var revoked = false
            if var set = s.recoveryCodeSets[userID], set.status == .active {
                set.failCount += 1
                if set.failCount >= maxFailures {
                    set.status = .revoked; set.revokedAt = now; set.revokedReason = "too many wrong codes"; revoked = true
                }
                s.recoveryCodeSets[userID] = set
            }
            Self.append(audit, key: key, to: &s)
            if revoked {
                Self.append(AuditRecord(time: audit.time, tenant: audit.tenant, actor: audit.actor, subject: audit.subject,
                                        event: "recovery_codes.revoke", outcome: "success", reason: "too many wrong codes", source: audit.source),
                            key: key, to: &s)
            }
        }
    }

    public func revokeRecoveryCodes(userID: UUID, reason: String, audit: AuditRecord) async throws -> Bool {
        let key = try await auditKey()
        return write { s in
            guard var set = s.recoveryCodeSets[userID], set.status == .active else { return false }
            set.status = .revoked; set.revokedAt = audit.time; set.revokedReason = reason
            s.recoveryCodeSets[userID] = set
            Self.append(audit, key: key, to: &s)
            return true
        }
    }

    /// The set with its count of unused codes, as the SQL store reads it.
    static func counted(_ set: RecoveryCodeSet, _ s: State) -> RecoveryCodeSet {
        var set = set
        set.remaining = s.recoveryCodes[set.userID]?.values.filter { $0.usedAt == nil }.count ?? 0
        return set
    }
}
