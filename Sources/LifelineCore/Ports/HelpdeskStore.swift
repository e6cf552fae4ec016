import Foundation

/// Caller verifications and four-eyes approval requests of the helpdesk (issue 15).
///
/// Contract:
/// - Every method that changes something takes the audit record (and outbox messages) of that change and writes them
///   in one transaction.
/// - ``recordCallerAttempt(id:matched:now:verifiedUntil:maxAttempts:audit:)`` is one atomic conditional update: of any
///   number of concurrent attempts at one code at most `maxAttempts` are counted, and at most one verifies.
/// - ``decideApprovalRequest(id:status:by:now:audit:)`` is one atomic conditional update (pending, unexpired, and not
///   the requester's own): of concurrent approvals exactly one succeeds, so the action runs once.
public protocol HelpdeskStore: Sendable {
    /// Makes `verification` the one of its (actor, user), replacing an earlier one; queues `outbox` and appends `audit`.
    func putCallerVerification(_ verification: CallerVerification, outbox: [OutboxMessage], audit: AuditRecord) async throws
    /// The verification of `actor` for `userID`, or nil.
    func callerVerification(actor: String, userID: UUID) async throws -> CallerVerification?
    /// Counts one attempt at the code of verification `id` — only if it is unverified, unexpired at `now` and has fewer
    /// than `maxAttempts` attempts — and, when `matched`, marks the caller verified until `verifiedUntil` and clears the
    /// code's hash (a code verifies once). Appends `audit` only when it counted. Returns the attempts afterwards, or nil
    /// when nothing was counted.
    func recordCallerAttempt(id: UUID, matched: Bool, now: Date, verifiedUntil: Date, maxAttempts: Int, audit: AuditRecord) async throws -> Int?
    /// Stores a new pending request and appends `audit`.
    func insertApprovalRequest(_ request: ApprovalRequest, audit: AuditRecord) async throws
    /// The request `id`, or nil.
    func approvalRequest(id: UUID) async throws -> ApprovalRequest?
    /// Requests of the tenants `tenantIDs` (nil: all), newest first, at most `limit`; with `status`, only those stored so.
    func approvalRequests(tenantIDs: Set<UUID>?, status: ApprovalStatus?, limit: Int) async throws -> [ApprovalRequest]
    /// Decides a request: sets `status` (`executed` for an approval about to run, or `rejected`), `decided_by` and
    /// `decided_at` — only if it is pending, `expires_at` is after `now`, and `by` is not its requester (unless
    /// `status` is `rejected`: a requester may withdraw their own). Appends `audit` only when it changed. Returns
    /// whether it did.
    func decideApprovalRequest(id: UUID, status: ApprovalStatus, by: String, now: Date, audit: AuditRecord) async throws -> Bool
    /// Records what an approved request's execution gave (`executed` or `failed`, and `result`), with its outbox and
    /// audit records.
    func finishApprovalRequest(id: UUID, status: ApprovalStatus, result: String, outbox: [OutboxMessage], audit: [AuditRecord]) async throws
}
