import Foundation

/// Where a four-eyes request stands.
public enum ApprovalStatus: String, Sendable, Codable, CaseIterable {
    /// Waiting for a second operator (until `expiresAt`).
    case pending
    /// Refused by an operator.
    case rejected
    /// Approved, and the action ran.
    case executed
    /// Approved, but the action failed (`result` says why).
    case failed
    /// Shown for a pending request past its expiry (never stored).
    case expired
}

/// A helpdesk action waiting for a second operator (four-eyes): what, on whom, by whom and why.
public struct ApprovalRequest: Sendable, Equatable {
    public var id: UUID
    public var tenantID: UUID
    public var userID: UUID
    public var username: String
    public var action: HelpdeskAction
    /// The action's parameters (`token_id`, `uses`, `lifetime_minutes`, `contact_id`); never a secret.
    public var parameters: [String: String]
    /// The requester's audit actor (`operator:anna`); never the approver.
    public var requestedBy: String
    public var reason: String
    public var createdAt: Date
    public var expiresAt: Date
    public var status: ApprovalStatus
    public var decidedBy: String?
    public var decidedAt: Date?
    /// What the execution gave (or why it failed); never a secret.
    public var result: String?

    public init(id: UUID, tenantID: UUID, userID: UUID, username: String, action: HelpdeskAction, parameters: [String: String],
                requestedBy: String, reason: String, createdAt: Date, expiresAt: Date, status: ApprovalStatus = .pending,
                decidedBy: String? = nil, decidedAt: Date? = nil, result: String? = nil) {
        self.id = id; self.tenantID = tenantID; self.userID = userID; self.username = username; self.action = action
        self.parameters = parameters; self.requestedBy = requestedBy; self.reason = reason; self.createdAt = createdAt
        self.expiresAt = expiresAt; self.status = status; self.decidedBy = decidedBy; self.decidedAt = decidedAt; self.result = result
    }

    /// Why 15 minutes (issue 15): the second operator sits beside the first, or answers within the call; a request left
    /// for hours would be approved without the context it was asked in.
    public static let lifetime: TimeInterval = 900

    /// This request as of `now`: a pending one past its expiry reads `expired`.
    public func resolved(at now: Date) -> ApprovalRequest {
        var r = self
        if r.status == .pending, r.expiresAt <= now { r.status = .expired }
        return r
    }
}
