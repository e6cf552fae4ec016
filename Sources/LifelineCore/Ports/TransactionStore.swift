import Foundation

/// The transaction port: executes a ``UnitOfWork`` in one database transaction.
///
/// Contract: the steps run in order; a step runs only if its ``UnitOfWork/Condition`` holds on the results of the
/// steps before it (evaluated inside the transaction); if any step fails, nothing of the unit is written, no audit
/// record either, and the error is thrown. The adapter adds no writes of its own: every consequence and every audit
/// record is in the unit the core composed.
public protocol TransactionStore: Sendable {
    func execute(_ work: UnitOfWork) async throws -> UnitOfWork.Outcome
}

extension TransactionStore {
    /// Records a change with `body` and executes it in one transaction: `store.transaction { tx in … }`. To read a
    /// write's result, keep the ``UnitOfWork/Ref`` that recording it returned and ask the outcome.
    @discardableResult
    public func transaction(_ body: (inout UnitOfWork) throws -> Void) async throws -> UnitOfWork.Outcome {
        var work = UnitOfWork()
        try body(&work)
        return try await execute(work)
    }
}
