import Foundation

extension AdminService {
    /// The guessing budgets of a username in a tenant (every scope: the username's own and each browser pass), also
    /// for a username that names no user (attackers' guesses count there too). Empty when nothing was ever counted.
    public func guessBudgets(tenantName: String, username: String, caller: Caller) async throws -> [GuessBudgetRecord] {
        try authorizer.require(.recoveryBudgetsRead, caller)
        let tenant = try await tenant(tenantName, caller: caller)
        return try await storage.guessBudgets(tenantID: tenant.id, usernameKey: Validation.usernameKey(try Validation.username(username)))
    }

    /// Lifts every pause and forgets every counted wrong answer of a username (audited as `recovery.budget_lift`).
    /// Why an operator may: a pause is the attacker's cheapest denial of recovery; the helpdesk lifts it once it has
    /// verified the caller. Returns the budgets cleared.
    public func liftGuessBudgets(tenantName: String, username: String, caller: Caller) async throws -> Int {
        try authorizer.require(.recoveryBudgetsLift, caller)
        let tenant = try await tenant(tenantName, caller: caller)
        let name = try Validation.username(username)
        let audit = AuditRecord(time: clock.now(), tenant: tenant.name, actor: caller.actor, subject: name, event: "recovery.budget_lift",
                                outcome: "success", reason: "guessing budget lifted by an administrator", source: caller.source)
        return try await storage.liftGuessBudgets(tenantID: tenant.id, usernameKey: Validation.usernameKey(name), audit: audit)
    }
}
