import Foundation

/// Recovery configuration, security answers, flows and their counters.
///
/// Contract: ``insertFlow(_:outbox:audit:counters:)`` and ``updateFlow(_:outbox:audit:counters:)`` write the flow,
/// its outbox messages, its audit records and its counter increments in one transaction or not at all.
/// `updateFlow` is a compare-and-set on `flow.version`: it stores `version + 1` only if the stored version still
/// equals `flow.version`, so of two concurrent submissions on one flow exactly one takes effect — which is what
/// makes a sent code single-use.
public protocol RecoveryStore: Sendable {
    /// The tenant's recovery configuration, or nil when none was applied.
    func recoveryConfig(tenantID: UUID) async throws -> RecoveryConfig?
    /// Stores a configuration; returns false (writing nothing, not even the audit record) when it is unchanged.
    func putRecoveryConfig(tenantID: UUID, config: RecoveryConfig, audit: AuditRecord) async throws -> Bool
    /// Replaces all answers of a user (question id → ``SecurityAnswer`` hash).
    func setAnswers(userID: UUID, hashes: [String: String], audit: AuditRecord) async throws
    /// What a flow needs to know of `usernameKey` (``Validation/usernameKey(_:)``) in the tenant, in one query that
    /// returns exactly one row whether or not the username names a user. Why: a flow for an unknown username must
    /// cost what a real one costs; a lookup per table, with rows for one and none for the other, made a real user's
    /// flow start measurably slower (a timing oracle for user enumeration).
    func recoverySubject(tenantID: UUID, usernameKey: String) async throws -> RecoverySubject
    /// Aggregates over the tenant's active users for decoys (``RecoveryStatistics``): counts of users per email domain,
    /// per phone country code, per number of verified phones, addresses and answers, and per answered question — never
    /// a contact. May answer from a cache up to a few minutes old (decoys need a distribution, not the last user).
    func recoveryStatistics(tenantID: UUID) async throws -> RecoveryStatistics
    /// The answer hashes of a user by question id (empty for an unknown user).
    func answerHashes(userID: UUID) async throws -> [String: String]
    func insertFlow(_ flow: RecoveryFlow, outbox: [OutboxMessage], audit: [AuditRecord], counters: [CounterIncrement]) async throws
    func flow(id: UUID) async throws -> RecoveryFlow?
    /// Compare-and-set on `flow.version`; returns false when another change came first (nothing written). `refund`: a
    /// guessing charge (``GuessBudgetStore/chargeGuess(_:policy:now:)``) taken back in the same transaction, as
    /// ``GuessBudgetStore/refundGuess(_:)`` would (one write transaction fewer for every right answer).
    func updateFlow(_ flow: RecoveryFlow, outbox: [OutboxMessage], audit: [AuditRecord], counters: [CounterIncrement],
                    refund: GuessCharge?) async throws -> Bool
    /// A counter's value and when it last changed (0, nil when never counted).
    func counter(_ key: String) async throws -> (count: Int, updatedAt: Date?)
    /// Deletes flows that expired before `cutoff`, counters not touched since then, expired budget passes, and
    /// guessing budgets whose failures are all forgiven (at one per `budgetForgiveAfter` seconds) with no running
    /// pause; returns flows deleted.
    func purgeRecovery(before cutoff: Date, budgetForgiveAfter: Int) async throws -> Int
}

extension RecoveryStore {
    /// ``updateFlow(_:outbox:audit:counters:refund:)`` without a refund.
    public func updateFlow(_ flow: RecoveryFlow, outbox: [OutboxMessage], audit: [AuditRecord], counters: [CounterIncrement]) async throws -> Bool {
        try await updateFlow(flow, outbox: outbox, audit: audit, counters: counters, refund: nil)
    }

    /// ``purgeRecovery(before:budgetForgiveAfter:)`` with the default budget policy.
    public func purgeRecovery(before cutoff: Date) async throws -> Int {
        try await purgeRecovery(before: cutoff, budgetForgiveAfter: GuessBudgetPolicy().forgiveAfter)
    }
}

/// One counter increment of a flow change. With a `limit` it takes effect only while the count is below the limit,
/// checked and incremented atomically with the rest of the change; otherwise the whole change is refused with
/// ``CounterLimitReached`` and nothing is written. Why: a limit read before the write transaction lets concurrent
/// requests all pass the check (60 racing flows sent 13 SMS against a limit of 10).
public struct CounterIncrement: Sendable, Equatable {
    public var key: String
    public var limit: Int?

    public init(_ key: String, limit: Int? = nil) { self.key = key; self.limit = limit }
}

extension CounterIncrement: ExpressibleByStringLiteral {
    /// An increment without a limit.
    public init(stringLiteral key: String) { self.init(key) }
}

/// A flow change was refused because the counter `key` reached its limit.
public struct CounterLimitReached: Error, Sendable, Equatable {
    public var key: String
    public init(key: String) { self.key = key }
}
