import Foundation

/// The audit log as the console filters it (issue 15): time, event, actor, subject, outcome, one tenant.
public struct AuditQuery: Sendable, Equatable {
    public var from: Date?
    public var to: Date?
    public var event: String?
    public var actor: String?
    public var subject: String?
    public var outcome: String?
    /// One of the caller's tenants (nil: all of them).
    public var tenant: String?
    /// 1-based.
    public var page: Int = 1
    /// Events per page. Why 50: a screenful; the CSV export has the rest.
    public static let pageSize = 50
    /// The last page one may ask for. Why a bound: an offset is read and skipped by the database, so a huge page
    /// number would make every request scan the whole log; narrow the filter instead.
    public static let maxPage = 1000
    /// The most rows one CSV export holds (200 pages of 50). Why: the export is built in memory before it is sent.
    public static let maxExportRows = 10_000

    public init() {}

    /// Checks the text fields (at most 256 bytes, no control characters) and the page; throws 400.
    public func validated() throws(LifelineError) -> AuditQuery {
        for (name, value) in [("event", event), ("actor", actor), ("subject", subject), ("outcome", outcome), ("tenant", tenant)] {
            guard let value else { continue }
            guard !value.isEmpty, value.utf8.count <= 256, !value.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) else {
                throw LifelineError(.invalidRequest, "\(name) must be 1 to 256 bytes without control characters")
            }
        }
        guard (1...Self.maxPage).contains(page) else { throw LifelineError(.invalidRequest, "page must be from 1 to \(Self.maxPage)") }
        if let from, let to, from > to { throw LifelineError(.invalidRequest, "from must not be after to") }
        return self
    }
}

/// The state of the audit chains as a caller may see it.
public enum AuditChainState: Sendable, Equatable {
    /// Every chain verified (for a scoped caller: and no chain is broken anywhere); `events` were checked.
    case verified(events: Int)
    /// A chain the caller may read is broken at `seq`.
    case broken(chain: String, seq: Int64, reason: String)
    /// A chain the caller may not read is broken; the verifier reports the first break only, so the state of the
    /// caller's own chains is not known. (A superuser sees which.)
    case unknown
}

/// One page of the filtered audit log.
public struct AuditPage: Sendable {
    public var events: [AuditEvent]
    public var page: Int
    /// Whether a next page exists.
    public var hasMore: Bool
    public var chain: AuditChainState
}

extension ConsoleService {
    /// The filter for `query` within `caller`'s tenants; a named tenant is checked against the caller's scope.
    func auditFilter(_ query: AuditQuery, caller: Caller) async throws -> AuditFilter {
        try authorizer.require(.auditRead, caller)
        let query = try query.validated()
        var filter = AuditFilter(tenants: try await tenantNames(of: caller))
        if let name = query.tenant { filter.tenants = [try await admin.tenant(name, caller: caller).name] }
        filter.from = query.from; filter.to = query.to
        filter.events = query.event.map { [$0] } ?? []
        filter.actor = query.actor; filter.subject = query.subject; filter.outcome = query.outcome
        return filter
    }

    /// One page of the events `query` selects, newest first, with the chains' state. Needs `audit.read`.
    public func auditLog(_ query: AuditQuery, caller: Caller) async throws -> AuditPage {
        var filter = try await auditFilter(query, caller: caller)
        filter.offset = (query.page - 1) * AuditQuery.pageSize
        // One more than a page, to know whether another page follows.
        filter.limit = AuditQuery.pageSize + 1
        let events = try await storage.auditEvents(filter)
        return AuditPage(events: Array(events.prefix(AuditQuery.pageSize)), page: query.page, hasMore: events.count > AuditQuery.pageSize,
                         chain: try await auditChainState(caller: caller))
    }

    /// The events `query` selects (every page, at most ``AuditQuery/maxExportRows``) as CSV (``AuditCSV``).
    public func auditCSV(_ query: AuditQuery, caller: Caller) async throws -> String {
        var filter = try await auditFilter(query, caller: caller)
        var csv = AuditCSV.header
        var offset = 0
        while offset < AuditQuery.maxExportRows {
            filter.offset = offset
            filter.limit = min(1000, AuditQuery.maxExportRows - offset)
            let events = try await storage.auditEvents(filter)
            for e in events { csv += AuditCSV.row(e) }
            if events.count < filter.limit { break }
            offset += events.count
        }
        return csv
    }

    /// Verifies every chain (``AuditLog/verifyChain()``) and reports what `caller` may see. Needs `audit.read`.
    /// Why the whole log: the chains share no state, but the store's verifier is the one that also checks heads and
    /// orphans; its cost grows with the log (docs/console.md).
    public func auditChainState(caller: Caller) async throws -> AuditChainState {
        try authorizer.require(.auditRead, caller)
        let result = try await storage.verifyChain()
        guard let broken = result.broken else { return .verified(events: result.count) }
        let chain = broken.chain ?? ""
        if let names = try await tenantNames(of: caller) {
            // Why: a scoped operator must not read another organization's chain, or learn its break's details.
            guard chain.hasPrefix("tenant:"), names.contains(String(chain.dropFirst(7))) else { return .unknown }
        }
        return .broken(chain: chain, seq: broken.seq, reason: broken.reason)
    }
}
