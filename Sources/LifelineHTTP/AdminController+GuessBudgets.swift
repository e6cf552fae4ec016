import Foundation
import Hummingbird
import LifelineCore

/// Admin routes for a username's guessing budget of recovery: see it, lift its pause.
struct AdminGuessBudgetController {
    let admin: AdminService
    let clock: any LifelineClock

    struct BudgetOut: Encodable {
        let tenant: String, username: String, paused: Bool, pausedUntil: Date?, budgets: [ScopeOut]
        enum CodingKeys: String, CodingKey { case tenant, username, paused, pausedUntil = "paused_until", budgets }
        func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(tenant, forKey: .tenant); try c.encode(username, forKey: .username); try c.encode(paused, forKey: .paused)
            if let pausedUntil { try c.encode(pausedUntil, forKey: .pausedUntil) } else { try c.encodeNil(forKey: .pausedUntil) }
            try c.encode(budgets, forKey: .budgets)
        }
    }
    struct ScopeOut: Encodable {
        let scope: String, failures: Int, pausedUntil: Date?, updatedAt: Date
        enum CodingKeys: String, CodingKey { case scope, failures, pausedUntil = "paused_until", updatedAt = "updated_at" }
        func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(scope, forKey: .scope); try c.encode(failures, forKey: .failures)
            if let pausedUntil { try c.encode(pausedUntil, forKey: .pausedUntil) } else { try c.encodeNil(forKey: .pausedUntil) }
            try c.encode(updatedAt, forKey: .updatedAt)
        }
    }

    func addRoutes(to group: RouterGroup<AuthenticatedRequestContext>) {
        group.get("/tenants/:tenant/users/:username/recovery-budget") { _, context in
            try JSON.response(try await out(context))
        }
        group.delete("/tenants/:tenant/users/:username/recovery-budget") { _, context in
            _ = try await admin.liftGuessBudgets(tenantName: try context.parameters.require("tenant"), username: try context.parameters.require("username"),
                                                 caller: context.principal)
            return try JSON.response(try await out(context))
        }
    }

    /// The username's own budget decides whether anonymous recovery is paused; pass budgets are listed beside it.
    private func out(_ context: AuthenticatedRequestContext) async throws -> BudgetOut {
        let tenant = try context.parameters.require("tenant"), username = try context.parameters.require("username")
        let records = try await admin.guessBudgets(tenantName: tenant, username: username, caller: context.principal)
        let now = clock.now()
        let own = records.first { $0.scope == "user" }?.pausedUntil.flatMap { $0 > now ? $0 : nil }
        return BudgetOut(tenant: tenant, username: username, paused: own != nil, pausedUntil: own,
                         budgets: records.map { ScopeOut(scope: $0.scope, failures: $0.failures, pausedUntil: $0.pausedUntil.flatMap { $0 > now ? $0 : nil }, updatedAt: $0.updatedAt) })
    }
}
