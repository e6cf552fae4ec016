import Foundation

/// The result of charging a wrong answer to a budget.
public enum GuessChargeResult: Sendable, Equatable {
    case charged(GuessCharge)
    /// The budget is paused: the submission must be refused unchecked and is not counted.
    case paused(until: Date)
}

/// A browser's own budget for one username, held as a bearer token (only its SHA-256 is stored).
public struct BudgetPass: Sendable, Equatable {
    /// Hex SHA-256 of the token; its first 16 characters name the budget scope (`pass:<id>`).
    public var hash: String
    public var tenantID: UUID
    public var usernameKey: String
    public var expiresAt: Date

    public init(hash: String, tenantID: UUID, usernameKey: String, expiresAt: Date) {
        self.hash = hash; self.tenantID = tenantID; self.usernameKey = usernameKey; self.expiresAt = expiresAt
    }

    public var scope: String { "pass:" + hash.prefix(16) }
}

/// Per-user guessing budgets of recovery (``GuessBudgetPolicy``), shared by every server on the database.
///
/// Contract: ``chargeGuess(_:policy:now:)`` and ``refundGuess(_:)`` are atomic read-modify-writes (a compare-and-set
/// on the row), so N concurrent charges against a budget with k answers left charge at most k before it pauses.
public protocol GuessBudgetStore: Sendable {
    /// Counts one wrong answer before its check, unless the budget is paused.
    func chargeGuess(_ key: GuessBudgetKey, policy: GuessBudgetPolicy, now: Date) async throws -> GuessChargeResult
    /// Takes a charge back (the answer was right, or was not checked after all).
    func refundGuess(_ charge: GuessCharge) async throws
    /// Every budget of a username (all scopes), for the admin API.
    func guessBudgets(tenantID: UUID, usernameKey: String) async throws -> [GuessBudgetRecord]
    /// Clears every budget of a username (failures and pauses) with the audit record; returns the budgets cleared.
    func liftGuessBudgets(tenantID: UUID, usernameKey: String, audit: AuditRecord) async throws -> Int
    func insertBudgetPass(_ pass: BudgetPass) async throws
    /// The pass with this token hash, if it exists and has not expired at `now`.
    func budgetPass(hash: String, now: Date) async throws -> BudgetPass?
}
