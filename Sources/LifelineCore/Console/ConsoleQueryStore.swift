import Foundation

/// The console's read queries over many rows (issue 15 "Pages"): user search, the audit log filtered and paged,
/// tokens that need attention, and counts for the dashboard.
///
/// Contract: every query is limited to the tenants it is given (nil: every tenant; an empty set: none, so nothing
/// is returned). Text is matched case-insensitively as a substring, with `%`, `_` and `\` in it taken literally
/// (never as wildcards), and bound as a parameter, never interpolated into SQL. Results are bounded by `limit`.
public protocol ConsoleQueryStore: Sendable {
    /// Users of `query.tenantIDs` whose username, display name, a contact (email or phone), a card serial or a
    /// token id contains `query.text`; ordered by tenant name, then username; at most `query.limit`.
    func searchUsers(_ query: UserSearch.Query) async throws -> [UserSearch.Hit]
    /// The audit events `filter` selects, newest first (time, then chain, then seq descending), `filter.limit` of
    /// them after skipping `filter.offset`.
    func auditEvents(_ filter: AuditFilter) async throws -> [AuditEvent]
    /// How many events `filter` selects per hour (keys: the hour's start), ignoring its limit and offset.
    func hourlyAuditCounts(_ filter: AuditFilter) async throws -> [Date: Int]
    /// Tokens of `tenantIDs` that are locked, or throttled at `now`; locked first, then by tenant; at most `limit`.
    func attentionTokens(tenantIDs: Set<UUID>?, now: Date, limit: Int) async throws -> [Token]
    /// Outbox messages of `tenants` (by name) that failed for good since `since`.
    func failedMessageCount(tenants: Set<String>?, since: Date) async throws -> Int
}

/// Which audit events to read: every field set narrows the selection. Text fields match exactly (an event name,
/// an actor such as `operator:ann`, a subject, an outcome).
public struct AuditFilter: Sendable, Equatable {
    /// The tenants (by name) whose events may be read; nil: every event, the global chain's too.
    public var tenants: Set<String>?
    /// From this instant, inclusive.
    public var from: Date?
    /// Before this instant, exclusive.
    public var to: Date?
    /// One of these event names (empty: any).
    public var events: [String] = []
    public var actor: String?
    public var subject: String?
    public var outcome: String?
    public var limit: Int = 50
    public var offset: Int = 0

    public init(tenants: Set<String>?) { self.tenants = tenants }

    /// Whether `e` is selected (the in-memory store's and the tests' reading of the filter).
    public func matches(_ e: AuditEvent) -> Bool {
        let r = e.record
        if let tenants { guard let t = r.tenant, tenants.contains(t) else { return false } }
        if let from, r.time < from { return false }
        if let to, r.time >= to { return false }
        if !events.isEmpty, !events.contains(r.event) { return false }
        if let actor, r.actor != actor { return false }
        if let subject, r.subject != subject { return false }
        if let outcome, r.outcome != outcome { return false }
        return true
    }
}
