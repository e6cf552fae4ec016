import Crypto
import Foundation

extension RecoveryService {
    /// Charges one guess to the flow's budget; throws `rateLimited` (audited) while it is paused.
    func chargeGuess(_ flow: RecoveryFlow, tenant: Tenant, usernameKey: String, now: Date, source: String) async throws -> GuessCharge {
        let key = GuessBudgetKey(tenantID: tenant.id, usernameKey: usernameKey, scope: flow.budgetScope ?? "user")
        switch try await storage.chargeGuess(key, policy: budget, now: now) {
        case .charged(let charge): return charge
        case .paused(let until):
            try await storage.append(AuditRecord(time: now, tenant: tenant.name, actor: "anonymous", subject: flow.username, event: "recovery.step",
                                                 outcome: "refused", reason: "guessing budget paused", source: source))
            observer.observe(.limit(.recoveryPaused, tenant: tenant.name, subject: flow.userID?.uuidString.lowercased(), until: until))
            throw Self.paused(until, now: now)
        }
    }

    /// Reports what a written submission did: the flow verified or failed, or a kept (wrong) guess paused the budget.
    func observeSubmission(before: RecoveryFlow, after: RecoveryFlow, charge: GuessCharge?, tenant: Tenant) {
        if after.phase != before.phase, after.phase == .verified || after.phase == .failed {
            observer.observe(.flow(after.phase == .verified ? .verified : .failed, tenant: tenant.name))
        }
        if let charge, let until = charge.after.pausedUntil, until != charge.before.pausedUntil {
            observer.observe(.limit(.budgetExhausted, tenant: tenant.name, subject: after.userID?.uuidString.lowercased(), until: until))
        }
    }

    /// The error of a paused budget: `retryAfter` and the time, which the pages show.
    static func paused(_ until: Date, now: Date) -> LifelineError {
        LifelineError(.rateLimited, "recovery is paused for this account after too many wrong answers; try again after \(FlowStateMachine.timeText(until))",
                      retryAfter: max(1, until.wholeSeconds(after: now)))
    }

    /// The scope of a valid pass for this username, or nil (the username's own budget).
    func budgetScope(pass token: String?, tenant: Tenant, usernameKey: String, now: Date) async throws -> String? {
        // Why bounded: the token comes from the client; a real one is 43 characters.
        guard let token, !token.isEmpty, token.utf8.count <= 128 else { return nil }
        guard let pass = try await storage.budgetPass(hash: Self.passHash(token), now: now),
              pass.tenantID == tenant.id, ConstantTime.equals(pass.usernameKey, usernameKey) else { return nil }
        return pass.scope
    }

    /// Issues a pass for a client that just verified a flow of this username: 256 bits from the CSPRNG, stored as its
    /// SHA-256. Why: whoever recovered from this browser keeps a budget the anonymous attacker cannot spend, so a
    /// paused username does not lock its owner out (docs/security.md, "Guessing budget").
    func issuePass(tenant: Tenant, usernameKey: String, now: Date) async throws -> String {
        let token = random.string(length: 43, alphabet: RandomSourceAlphabet.alphanumerics) // 43 × log2(62) ≈ 256 bits
        try await storage.insertBudgetPass(BudgetPass(hash: Self.passHash(token), tenantID: tenant.id, usernameKey: usernameKey,
                                                      expiresAt: now.addingTimeInterval(Double(budget.passLifetime))))
        return token
    }

    static func passHash(_ token: String) -> String { Hex.encode(SHA256.hash(data: Array(token.utf8))) }
}
