import Foundation
import LifelineCore

extension InMemoryStore: TransactionStore {
    public func execute(_ work: UnitOfWork) async throws -> UnitOfWork.Outcome {
        let key = try await auditKey()
        return try write { s in
            var outcome = UnitOfWork.Outcome(results: [])
            for step in work.steps {
                guard outcome.holds(step.condition) else { outcome.results.append(nil); continue }
                outcome.results.append(try Self.run(step.operation, key: key, in: &s))
            }
            return outcome
        }
    }

    static func run(_ operation: UnitOfWork.Operation, key: AuditKey?, in s: inout State) throws -> UnitOfWork.StepResult {
        switch operation {
        case .insertContact(let contact):
            try insert(contact: contact, in: &s)
            return .init(changed: 1)
        case .insertToken(let token):
            guard s.users[token.token.userID] != nil else { throw LifelineError(.integrity, "no such user (foreign key)") }
            guard s.tokens[token.token.id] == nil else { throw LifelineError(.integrity, "duplicate token id") }
            s.tokens[token.token.id] = token
            return .init(changed: 1)
        case .setTokenState(let tokenID, let tenantID, let state, let resetFailCount):
            guard var t = s.tokens[tokenID], t.token.tenantID == tenantID else { return .init(changed: 0) }
            t.token.state = state
            if resetFailCount { t.token.failCount = 0; t.token.throttledUntil = nil; t.token.pinFailCount = 0 }
            s.tokens[tokenID] = t
            return .init(changed: 1, token: t.token)
        case .unlockTokens(let userID):
            var changed = 0, locked = 0
            for (id, var t) in s.tokens where t.token.userID == userID && t.token.state != .disabled
                && (t.token.state == .locked || t.token.failCount > 0 || t.token.throttledUntil != nil) {
                if t.token.state == .locked { locked += 1 }
                t.token.state = .active; t.token.failCount = 0; t.token.throttledUntil = nil
                s.tokens[id] = t
                changed += 1
            }
            return .init(changed: changed, reactivated: locked)
        case .revokeEmergencyCode(let userID, let reason, let at):
            return .init(changed: revokeCode(userID: userID, reason: reason, at: at, in: &s) ? 1 : 0)
        case .putEmergencyCode(let code):
            s.codes[code.state.userID] = code
            return .init(changed: 1)
        case .countEmergencyCodeFailure(let userID, let at, let maxFailures):
            let (counted, revoked) = countFailure(userID: userID, at: at, maxFailures: maxFailures, in: &s)
            return .init(changed: counted ? 1 : 0, reachedLimit: revoked)
        case .putRecoveryCodes(let set, let codes):
            putRecoveryCodeSet(set, codes: codes, in: &s)
            return .init(changed: 1)
        case .useRecoveryCode(let userID, let setID, let lookup, let at):
            return .init(changed: markRecoveryCodeUsed(userID: userID, setID: setID, lookup: lookup, at: at, in: &s) ? 1 : 0)
        case .resetRecoveryCodeFailures(let userID):
            return .init(changed: resetRecoveryCodeFailCount(userID: userID, in: &s) ? 1 : 0)
        case .countRecoveryCodeFailure(let userID):
            let count = countRecoveryCodeFailure(userID: userID, in: &s)
            return .init(changed: count == nil ? 0 : 1, failCount: count)
        case .revokeRecoveryCodes(let userID, let reason, let at):
            return .init(changed: revokeRecoveryCodeSet(userID: userID, reason: reason, at: at, in: &s) ? 1 : 0)
        case .markTokenLost(let lost):
            let token = markTokenLost(lost, in: &s)
            return .init(changed: token == nil ? 0 : 1, token: token)
        case .useLostToken(let tokenID, let hash, let at):
            return .init(changed: useLostToken(tokenID: tokenID, hash: hash, at: at, in: &s) ? 1 : 0)
        case .countLostTokenFailure(let tokenID, let at, let pin, let maxFailures):
            let (counted, ended) = countLostTokenFailure(tokenID: tokenID, at: at, pin: pin, maxFailures: maxFailures, in: &s)
            return .init(changed: counted ? 1 : 0, reachedLimit: ended)
        case .endLostTokens(let userID, let tokenID, let reason, let at):
            return .init(changed: endLostTokens(userID: userID, tokenID: tokenID, reason: reason, at: at, in: &s))
        case .queueMessage(let message):
            s.outbox.append(message)
            return .init(changed: 1)
        case .appendAudit(let record):
            append(record, key: key, to: &s)
            return .init(changed: 1)
        }
    }
}
