import Foundation
import LifelineCore
import SQLKit

extension SQLStore: GuessBudgetStore {
    public func chargeGuess(_ key: GuessBudgetKey, policy: GuessBudgetPolicy, now: Date) async throws -> GuessChargeResult {
        try await updateBudget(key, now: now) { before in
            var after = before
            guard after.charge(at: now, policy) else { return (before, .paused(until: before.pausedUntil ?? now)) }
            return (after, .charged(GuessCharge(key: key, before: before, after: after)))
        }
    }

    public func refundGuess(_ charge: GuessCharge) async throws {
        try await backend.write { db in try await self.refundGuess(charge, in: db) }
    }

    /// ``refundGuess(_:)`` inside a write transaction the caller holds (the flow's update).
    func refundGuess(_ charge: GuessCharge, in db: any SQLDatabase) async throws {
        _ = try await changeBudget(charge.key, now: charge.after.decayFrom, in: db) { current in (current.refunding(charge), 0) }
    }

    /// Reads, changes and writes one budget row in one write transaction. Why atomic on both backends: on SQLite the
    /// transaction holds the database's write lock (BEGIN IMMEDIATE); on PostgreSQL the row is created if absent and
    /// then locked (`FOR UPDATE`), so servers sharing the database charge one after another.
    private func updateBudget<R: Sendable>(_ key: GuessBudgetKey, now: Date,
                                           _ change: @escaping @Sendable (GuessBudgetState) -> (GuessBudgetState, R)) async throws -> R {
        try await backend.write { db in try await self.changeBudget(key, now: now, in: db, change) }
    }

    /// The read-modify-write of one budget row, in the caller's write transaction.
    private func changeBudget<R: Sendable>(_ key: GuessBudgetKey, now: Date, in db: any SQLDatabase,
                                           _ change: @escaping @Sendable (GuessBudgetState) -> (GuessBudgetState, R)) async throws -> R {
        let id = key.storageKey
        let postgres = backend.kind == .postgres
        try await db.raw("""
            INSERT INTO guess_budgets (key, tenant_id, username_key, scope, failures, decay_from, paused_until, notified_at, updated_at)
            VALUES (\(bind: id), \(bind: Row.id(key.tenantID)), \(bind: key.usernameKey), \(bind: key.scope), 0, \(bind: Row.millis(now)), NULL, NULL, \(bind: Row.millis(now)))
            ON CONFLICT (key) DO NOTHING
            """).run()
        let lock: SQLQueryString = postgres ? " FOR UPDATE" : ""
        guard let row = try await db.raw("SELECT failures, decay_from, paused_until, notified_at FROM guess_budgets WHERE key = \(bind: id)" + lock).first() else {
            throw LifelineError(.integrity, "a guessing budget row vanished")
        }
        let current = GuessBudgetState(failures: Int(try row.decode(column: "failures", as: Int64.self)),
                                       decayFrom: Row.date(try row.decode(column: "decay_from", as: Int64.self)),
                                       pausedUntil: try row.decode(column: "paused_until", as: Int64?.self).map(Row.date),
                                       notifiedAt: try row.decode(column: "notified_at", as: Int64?.self).map(Row.date))
        let (next, result) = change(current)
        if next != current {
            try await db.raw("""
                UPDATE guess_budgets SET failures = \(bind: Int64(next.failures)), decay_from = \(bind: Row.millis(next.decayFrom)),
                  paused_until = \(bind: next.pausedUntil.map(Row.millis)), notified_at = \(bind: next.notifiedAt.map(Row.millis)),
                  updated_at = \(bind: Row.millis(now))
                WHERE key = \(bind: id)
                """).run()
        }
        return result
    }

    public func guessBudgets(tenantID: UUID, usernameKey: String) async throws -> [GuessBudgetRecord] {
        try await backend.read { db in
            try await db.raw("""
                SELECT scope, failures, paused_until, updated_at FROM guess_budgets
                WHERE tenant_id = \(bind: Row.id(tenantID)) AND username_key = \(bind: usernameKey) ORDER BY scope
                """).all().map { row in
                GuessBudgetRecord(scope: try row.decode(column: "scope", as: String.self),
                                  failures: Int(try row.decode(column: "failures", as: Int64.self)),
                                  pausedUntil: try row.decode(column: "paused_until", as: Int64?.self).map(Row.date),
                                  updatedAt: Row.date(try row.decode(column: "updated_at", as: Int64.self)))
            }
        }
    }

    public func liftGuessBudgets(tenantID: UUID, usernameKey: String, audit: AuditRecord) async throws -> Int {
        try await backend.write(lane: audit.chain) { db in
            let rows = try await db.raw("""
                DELETE FROM guess_budgets WHERE tenant_id = \(bind: Row.id(tenantID)) AND username_key = \(bind: usernameKey) RETURNING key
                """).all()
            try await self.appendAudit(audit, in: db)
            return rows.count
        }
    }

    public func insertBudgetPass(_ pass: BudgetPass) async throws {
        try await backend.write { db in
            try await db.raw("""
                INSERT INTO budget_passes (hash, tenant_id, username_key, expires_at)
                VALUES (\(bind: pass.hash), \(bind: Row.id(pass.tenantID)), \(bind: pass.usernameKey), \(bind: Row.millis(pass.expiresAt)))
                """).run()
        }
    }

    public func budgetPass(hash: String, now: Date) async throws -> BudgetPass? {
        try await backend.read { db in
            guard let row = try await db.raw("""
                SELECT tenant_id, username_key, expires_at FROM budget_passes WHERE hash = \(bind: hash) AND expires_at > \(bind: Row.millis(now))
                """).first() else { return nil }
            guard let tenant = UUID(uuidString: try row.decode(column: "tenant_id", as: String.self)) else { return nil }
            return BudgetPass(hash: hash, tenantID: tenant, usernameKey: try row.decode(column: "username_key", as: String.self),
                              expiresAt: Row.date(try row.decode(column: "expires_at", as: Int64.self)))
        }
    }
}
