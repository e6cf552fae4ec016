import Foundation

extension HelpdeskService {
    /// Stores `request` for a second operator (audited as `helpdesk.approval_request` with the reason).
    func requestApproval(_ request: HelpdeskRequest, tenant: Tenant, user: User, caller: Principal) async throws -> ApprovalRequest {
        let now = clock.now()
        let stored = ApprovalRequest(id: admin.random.uuid(), tenantID: tenant.id, userID: user.id, username: user.username,
                                     action: request.action, parameters: request.parameters, requestedBy: caller.actor, reason: request.reason,
                                     createdAt: now, expiresAt: now.addingTimeInterval(ApprovalRequest.lifetime))
        try await storage.insertApprovalRequest(stored, audit: record(stored, tenant, "helpdesk.approval_request", by: caller, at: now,
                                                                      reason: "\(request.action.rawValue): \(request.reason)"))
        return stored
    }

    /// The approval requests of the caller's tenants (newest first; a pending one past its time reads `expired`).
    public func approvalRequests(caller: Principal, status: ApprovalStatus? = nil, limit: Int = 100) async throws -> [ApprovalRequest] {
        try authorizer.require(.usersRead, caller)
        let now = clock.now()
        let stored: ApprovalStatus? = status == .expired ? .pending : status
        return try await storage.approvalRequests(tenantIDs: caller.tenants, status: stored, limit: min(max(limit, 1), 500))
            .map { $0.resolved(at: now) }.filter { status == nil || $0.status == status }
    }

    /// One request of the caller's tenants.
    public func approvalRequest(id: UUID, caller: Principal) async throws -> ApprovalRequest {
        try authorizer.require(.usersRead, caller)
        // Why 404 for another tenant's request: a scoped operator must not learn that it exists.
        guard let r = try await storage.approvalRequest(id: id), caller.mayAccess(r.tenantID) else {
            throw LifelineError(.notFound, "no such approval request")
        }
        return r.resolved(at: clock.now())
    }

    /// Approves request `id` and runs its action as the approver, once. Refused (403) for the requester and for an
    /// operator without the action's permission; 409 when it was decided already or expired.
    public func approve(id: UUID, caller: Principal) async throws -> HelpdeskResult {
        let (r, tenant, user) = try await decidable(id, caller: caller)
        // Why never one's own: four-eyes means two people; one operator with two browser tabs is still one.
        guard r.requestedBy != caller.actor else { throw LifelineError(.forbidden, "an operator cannot approve their own request") }
        let now = clock.now()
        // The compare-and-set that makes the action run once: of concurrent approvals only one changes the row.
        guard try await storage.decideApprovalRequest(id: id, status: .executed, by: caller.actor, now: now,
                                                      audit: record(r, tenant, "helpdesk.approval_approve", by: caller, at: now,
                                                                    reason: "\(r.action.rawValue) requested by \(r.requestedBy): \(r.reason)")) else {
            throw LifelineError(.conflict, "the request was decided by someone else or has expired")
        }
        let result: HelpdeskResult
        do {
            result = try await execute(HelpdeskRequest(r), tenant: tenant, user: user, caller: caller,
                                       note: "approved request \(r.id.uuidString.lowercased()) of \(r.requestedBy)")
        } catch {
            let reason = (error as? LifelineError)?.message ?? "the action failed"
            try await storage.finishApprovalRequest(id: id, status: .failed, result: reason, outbox: [],
                                                    audit: [record(r, tenant, "helpdesk.approval_execute", by: caller, at: clock.now(), outcome: "failure", reason: reason)])
            throw error
        }
        try await storage.finishApprovalRequest(id: id, status: .executed, result: result.summary, outbox: [], audit: [])
        return result
    }

    /// Rejects request `id` (the requester may withdraw their own). 409 when it was decided already or expired.
    public func reject(id: UUID, caller: Principal) async throws -> ApprovalRequest {
        let (r, tenant, _) = try await decidable(id, caller: caller)
        let now = clock.now()
        guard try await storage.decideApprovalRequest(id: id, status: .rejected, by: caller.actor, now: now,
                                                      audit: record(r, tenant, "helpdesk.approval_reject", by: caller, at: now,
                                                                    reason: "\(r.action.rawValue) requested by \(r.requestedBy): \(r.reason)")) else {
            throw LifelineError(.conflict, "the request was decided by someone else or has expired")
        }
        return try await approvalRequest(id: id, caller: caller)
    }

    /// A pending, unexpired request the caller may decide, with its tenant and user.
    private func decidable(_ id: UUID, caller: Principal) async throws -> (ApprovalRequest, Tenant, User) {
        // Who may do no helpdesk action at all (an auditor) is refused before the lookup, so the answer does not
        // depend on whether the request exists.
        guard HelpdeskAction.allCases.contains(where: { authorizer.allows(caller, $0.permission) }) else {
            throw LifelineError(.forbidden, "this principal may not decide helpdesk requests")
        }
        let r = try await approvalRequest(id: id, caller: caller)
        // Why the action's own permission: an approver vouches for the action, so must be allowed to do it themselves.
        try authorizer.require(r.action.permission, caller)
        switch r.status {
        case .pending: break
        case .expired: throw LifelineError(.conflict, "the request has expired (after \(Int(ApprovalRequest.lifetime / 60)) minutes); ask again")
        default: throw LifelineError(.conflict, "the request was already decided (\(r.status.rawValue))")
        }
        guard let tenant = try await storage.tenant(id: r.tenantID), let user = try await storage.user(id: r.userID) else {
            throw LifelineError(.notFound, "the request's user no longer exists")
        }
        return (r, tenant, user)
    }

    private func record(_ r: ApprovalRequest, _ tenant: Tenant, _ event: String, by caller: Principal, at now: Date, outcome: String = "success",
                        reason: String) -> AuditRecord {
        AuditRecord(time: now, tenant: tenant.name, actor: caller.actor, subject: r.username, event: event, outcome: outcome,
                    reason: "request \(r.id.uuidString.lowercased()): \(reason)", source: caller.source)
    }
}
