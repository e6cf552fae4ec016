import Foundation

/// The dashboard's figures (issue 15): recent recoveries, tokens that are locked or throttled, failed flows per
/// hour over the last 24 hours, and what needs attention. All limited to the caller's tenants.
public struct Dashboard: Sendable {
    /// The latest uses of recovery actions (``Dashboard/recoveryEvents``), newest first.
    public var recentRecoveries: [AuditEvent]
    /// Locked tokens first, then throttled ones, with their owners' usernames and tenants' names.
    public var attentionTokens: [(status: TokenStatus, username: String, tenant: String)]
    /// 24 counts of failed flows (`recovery.failed`), oldest hour first; the last is the current hour.
    public var failedFlowsPerHour: [HourCount]
    /// What an operator should look at, most serious first.
    public var needsAttention: [Attention]

    /// One hour of the chart.
    public struct HourCount: Sendable, Equatable {
        public var hour: Date
        public var count: Int
    }

    /// One item of "needs attention". `count` is how many; `detail` a short text (a chain's break), never a secret.
    public struct Attention: Sendable, Equatable {
        public enum Kind: String, Sendable { case auditChainBroken = "audit_chain_broken", lockedTokens = "locked_tokens",
                                              failedMessages = "failed_messages", pendingApprovals = "pending_approvals" }
        public var kind: Kind
        public var count: Int
        public var detail: String
    }

    /// The audit events of a used recovery action: `recovery.<action id>` for each action of ``ActionRegistry/standard``.
    public static let recoveryEvents: [String] = [RecoveryActionID.resetPassword, .unlockAccount, .cardUnblock, .emergencyCode, .unlockAuthenticator,
                                                  .selfservice, .newRecoveryCodes].map { "recovery.\($0.rawValue)" }
}

extension ConsoleService {
    /// The dashboard of `caller`'s tenants. Needs `users.read` and `tokens.read`; the parts from the audit log (recent
    /// recoveries, the chart, the chain's state) only with `audit.read` (empty otherwise).
    public func dashboard(caller: Caller) async throws -> Dashboard {
        try authorizer.require(.usersRead, caller)
        try authorizer.require(.tokensRead, caller)
        let now = clock.now()
        let names = try await tenantNames(of: caller)
        let tenants = Dictionary(uniqueKeysWithValues: try await storage.tenants().map { ($0.id, $0.name) })
        // Why 20: a screenful; the audit page has the rest.
        let tokens = try await storage.attentionTokens(tenantIDs: caller.tenants, now: now, limit: 20)
        var attention: [(status: TokenStatus, username: String, tenant: String)] = []
        for t in tokens {
            let username = try await storage.user(id: t.userID)?.username ?? "?"
            attention.append((TokenStatus(t, now: now), username, tenants[t.tenantID] ?? "?"))
        }
        var dashboard = Dashboard(recentRecoveries: [], attentionTokens: attention, failedFlowsPerHour: [], needsAttention: [])
        let hourNow = Date(timeIntervalSince1970: (now.timeIntervalSince1970 / 3600).rounded(.down) * 3600)
        let hours = (0..<24).map { hourNow.addingTimeInterval(Double($0 - 23) * 3600) }
        var counts: [Date: Int] = [:]
        if authorizer.allows(caller, .auditRead) {
            var recent = AuditFilter(tenants: names)
            recent.events = Dashboard.recoveryEvents
            recent.limit = 10
            dashboard.recentRecoveries = try await storage.auditEvents(recent)
            var failed = AuditFilter(tenants: names)
            failed.events = ["recovery.failed"]
            failed.from = hours[0]
            counts = try await storage.hourlyAuditCounts(failed)
            let state = try await auditChainState(caller: caller)
            if case .broken(let chain, let seq, let reason) = state {
                dashboard.needsAttention.append(.init(kind: .auditChainBroken, count: 1, detail: "\(chain) #\(seq): \(reason)"))
            }
        }
        dashboard.failedFlowsPerHour = hours.map { Dashboard.HourCount(hour: $0, count: counts[$0] ?? 0) }
        let locked = tokens.filter { $0.state == .locked }.count
        if locked > 0 { dashboard.needsAttention.append(.init(kind: .lockedTokens, count: locked, detail: "")) }
        let failedMessages = try await storage.failedMessageCount(tenants: names, since: now.addingTimeInterval(-24 * 3600))
        if failedMessages > 0 { dashboard.needsAttention.append(.init(kind: .failedMessages, count: failedMessages, detail: "")) }
        if let pendingApprovals {
            let pending = try await pendingApprovals(caller.tenants)
            if pending > 0 { dashboard.needsAttention.append(.init(kind: .pendingApprovals, count: pending, detail: "")) }
        }
        return dashboard
    }
}
