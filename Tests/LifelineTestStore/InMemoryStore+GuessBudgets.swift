import Foundation
import LifelineCore

extension InMemoryStore: GuessBudgetStore, ServerSecretStore {
    public func chargeGuess(_ key: GuessBudgetKey, policy: GuessBudgetPolicy, now: Date) async throws -> GuessChargeResult {
        write { s in
            let before = s.budgets[key.storageKey]?.state ?? GuessBudgetState(decayFrom: now)
            var after = before
            guard after.charge(at: now, policy) else {
                if s.budgets[key.storageKey] == nil { s.budgets[key.storageKey] = (key, before, now) }
                return .paused(until: before.pausedUntil ?? now)
            }
            s.budgets[key.storageKey] = (key, after, now)
            return .charged(GuessCharge(key: key, before: before, after: after))
        }
    }

    public func refundGuess(_ charge: GuessCharge) async throws { write { Self.refund(charge, in: &$0) } }

    static func refund(_ charge: GuessCharge, in s: inout State) {
        let id = charge.key.storageKey
        let current = s.budgets[id]?.state ?? GuessBudgetState(decayFrom: charge.after.decayFrom)
        s.budgets[id] = (charge.key, current.refunding(charge), charge.after.decayFrom)
    }

    public func guessBudgets(tenantID: UUID, usernameKey: String) async throws -> [GuessBudgetRecord] {
        read { s in
            s.budgets.values.filter { $0.key.tenantID == tenantID && $0.key.usernameKey == usernameKey }.sorted { $0.key.scope < $1.key.scope }
                .map { GuessBudgetRecord(scope: $0.key.scope, failures: $0.state.failures, pausedUntil: $0.state.pausedUntil, updatedAt: $0.updatedAt) }
        }
    }

    public func liftGuessBudgets(tenantID: UUID, usernameKey: String, audit: AuditRecord) async throws -> Int {
        let key = try await auditKey()
        return write { s in
            let ids = s.budgets.filter { $0.value.key.tenantID == tenantID && $0.value.key.usernameKey == usernameKey }.map(\.key)
            for id in ids { s.budgets[id] = nil }
            Self.append(audit, key: key, to: &s)
            return ids.count
        }
    }

    public func insertBudgetPass(_ pass: BudgetPass) async throws {
        try write { s in
            guard s.passes[pass.hash] == nil else { throw LifelineError(.integrity, "duplicate budget pass") }
            s.passes[pass.hash] = pass
        }
    }

    public func budgetPass(hash: String, now: Date) async throws -> BudgetPass? {
        read { s in s.passes[hash].flatMap { $0.expiresAt > now ? $0 : nil } }
    }

    public func serverSecret(name: String, proposed: SealedSecret) async throws -> SealedSecret {
        write { s in
            if let stored = s.secrets[name] { return stored }
            s.secrets[name] = proposed
            return proposed
        }
    }

    public func sealedServerSecrets() async throws -> [(name: String, secret: SealedSecret)] {
        read { $0.secrets.sorted { $0.key < $1.key }.map { ($0.key, $0.value) } }
    }

    public func resealServerSecret(name: String, old: SealedSecret, new: SealedSecret) async throws -> Bool {
        write { s in
            guard s.secrets[name] == old else { return false }
            s.secrets[name] = new
            return true
        }
    }
}
