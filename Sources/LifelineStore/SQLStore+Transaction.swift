import Foundation
import LifelineCore
import SQLKit

/// The transaction port: the core's unit of work, executed step by step in one write transaction (on the lane of its
/// audit chain, like every write), with no rule of its own. A step whose condition does not hold is skipped; a step
/// that fails rolls the whole unit back.
extension SQLStore: TransactionStore {
    public func execute(_ work: UnitOfWork) async throws -> UnitOfWork.Outcome {
        try await backend.write(lane: work.lane) { db in
            var outcome = UnitOfWork.Outcome(results: [])
            for step in work.steps {
                guard outcome.holds(step.condition) else { outcome.results.append(nil); continue }
                outcome.results.append(try await self.run(step.operation, in: db))
            }
            return outcome
        }
    }

    func run(_ operation: UnitOfWork.Operation, in db: any SQLDatabase) async throws -> UnitOfWork.StepResult {
        switch operation {
        case .insertContact(let contact):
            try await Self.insert(contact: contact, in: db)
            return .init(changed: 1)
        case .insertToken(let token):
            try await Self.insert(token: token, in: db)
            return .init(changed: 1)
        case .setTokenState(let tokenID, let tenantID, let state, let resetFailCount):
            let row = try await db.raw("""
                UPDATE tokens SET state = \(bind: state.rawValue),
                  fail_count = CASE WHEN \(bind: Int64(resetFailCount ? 1 : 0)) = 1 THEN 0 ELSE fail_count END,
                  throttled_until = CASE WHEN \(bind: Int64(resetFailCount ? 1 : 0)) = 1 THEN NULL ELSE throttled_until END,
                  pin_fail_count = CASE WHEN \(bind: Int64(resetFailCount ? 1 : 0)) = 1 THEN 0 ELSE pin_fail_count END
                WHERE id = \(bind: Row.id(tokenID)) AND tenant_id = \(bind: Row.id(tenantID))
                RETURNING *
                """).first()
            guard let row else { return .init(changed: 0) }
            return .init(changed: 1, token: try Self.storedToken(from: row).token)
        case .unlockTokens(let userID):
            let locked = try await db.raw("""
                SELECT id FROM tokens WHERE user_id = \(bind: Row.id(userID)) AND state = 'locked'
                """).all().count
            let rows = try await db.raw("""
                UPDATE tokens SET state = 'active', fail_count = 0, throttled_until = NULL
                WHERE user_id = \(bind: Row.id(userID)) AND state <> 'disabled'
                  AND (state = 'locked' OR fail_count > 0 OR throttled_until IS NOT NULL)
                RETURNING id
                """).all()
            return .init(changed: rows.count, reactivated: rows.isEmpty ? 0 : locked)
        case .revokeEmergencyCode(let userID, let reason, let at):
            return .init(changed: try await Self.setRevoked(userID: userID, reason: reason, now: at, in: db) ? 1 : 0)
        case .putEmergencyCode(let code):
            try await Self.upsert(code, in: db)
            return .init(changed: 1)
        case .countEmergencyCodeFailure(let userID, let at, let maxFailures):
            let (counted, revoked) = try await Self.countFailure(userID: userID, at: at, maxFailures: maxFailures, in: db)
            return .init(changed: counted ? 1 : 0, reachedLimit: revoked)
        case .putRecoveryCodes(let set, let codes):
            try await Self.insertRecoveryCodeSet(set, codes: codes, in: db)
            return .init(changed: 1)
        case .useRecoveryCode(let userID, let setID, let lookup, let at):
            return .init(changed: try await Self.markRecoveryCodeUsed(userID: userID, setID: setID, lookup: lookup, at: at, in: db) ? 1 : 0)
        case .resetRecoveryCodeFailures(let userID):
            return .init(changed: try await Self.resetRecoveryCodeFailCount(userID: userID, in: db) ? 1 : 0)
        case .countRecoveryCodeFailure(let userID):
            let count = try await Self.countRecoveryCodeFailure(userID: userID, in: db)
            return .init(changed: count == nil ? 0 : 1, failCount: count)
        case .revokeRecoveryCodes(let userID, let reason, let at):
            return .init(changed: try await Self.revokeRecoveryCodeSet(userID: userID, reason: reason, at: at, in: db) ? 1 : 0)
        case .markTokenLost(let lost):
            let token = try await Self.markTokenLost(lost, in: db)
            return .init(changed: token == nil ? 0 : 1, token: token)
        case .useLostToken(let tokenID, let hash, let at):
            return .init(changed: try await Self.useLostToken(tokenID: tokenID, hash: hash, at: at, in: db) ? 1 : 0)
        case .countLostTokenFailure(let tokenID, let at, let pin, let maxFailures):
            let (counted, ended) = try await Self.countLostTokenFailure(tokenID: tokenID, at: at, pin: pin, maxFailures: maxFailures, in: db)
            return .init(changed: counted ? 1 : 0, reachedLimit: ended)
        case .endLostTokens(let userID, let tokenID, let reason, let at):
            return .init(changed: try await Self.endLostTokens(userID: userID, tokenID: tokenID, reason: reason, at: at, in: db))
        case .queueMessage(let message):
            try await Self.insert(message: message, in: db)
            return .init(changed: 1)
        case .appendAudit(let record):
            try await appendAudit(record, in: db)
            return .init(changed: 1)
        }
    }
}
