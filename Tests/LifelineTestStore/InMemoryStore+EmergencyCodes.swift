import Foundation
import LifelineCore

extension InMemoryStore: EmergencyCodeStore {
    public func emergencyCode(userID: UUID) async throws -> StoredEmergencyCode? { read { $0.codes[userID] } }

    public func useEmergencyCode(userID: UUID, hash: String, now: Date, audit: AuditRecord) async throws -> Bool {
        let key = try await auditKey()
        return write { s in
            // The use-count guard (EmergencyCodeStore.useEmergencyCode).
            guard var code = s.codes[userID], code.hash == hash, Self.usable(code, at: now) else { return false }
            code.state.usedCount += 1
            code.state.failCount = 0
            if let left = code.state.usesLeft {
                code.state.usesLeft = left - 1
                if left <= 1 { code.state.status = .usedUp }
            }
            s.codes[userID] = code
            Self.append(audit, key: key, to: &s)
            return true
        }
    }

    /// ``UnitOfWork/Operation/countEmergencyCodeFailure(userID:at:maxFailures:)``: whether a code was counted, and
    /// whether that revoked it.
    static func countFailure(userID: UUID, at now: Date, maxFailures: Int, in s: inout State) -> (counted: Bool, revoked: Bool) {
        guard var code = s.codes[userID], code.state.status == .active, code.state.expiresAt.map({ $0 > now }) ?? true else { return (false, false) }
        code.state.failCount += 1
        let revoked = code.state.failCount >= maxFailures
        if revoked {
            code.state.status = .revoked; code.state.revokedAt = now
            code.state.revokedReason = EmergencyCodeRules.Trigger.tooManyFailures.rawValue
        }
        s.codes[userID] = code
        return (true, revoked)
    }

    public func revokeEmergencyCode(userID: UUID, reason: String, audit: AuditRecord) async throws -> Bool {
        let key = try await auditKey()
        return write { s in
            guard Self.revokeCode(userID: userID, reason: reason, at: audit.time, in: &s) else { return false }
            Self.append(audit, key: key, to: &s)
            return true
        }
    }
}
