import Foundation
import LifelineCore
import SQLKit

/// The console's queries (``ConsoleQueryStore``). Every value is bound; LIKE patterns come from
/// ``UserSearch/Query/likePattern(_:)`` with `ESCAPE '\'`, so `%`, `_` and `\` typed by an operator match themselves.
/// Case: the pattern is lowercased in Swift and matched against `LOWER(column)` (or `username_key`, lowercased when
/// written). SQLite's LOWER folds ASCII only, PostgreSQL's every letter: a non-ASCII display name is found
/// case-insensitively on PostgreSQL only (docs/console.md).
extension SQLStore: ConsoleQueryStore {
    public func searchUsers(_ query: UserSearch.Query) async throws -> [UserSearch.Hit] {
        if let ids = query.tenantIDs, ids.isEmpty { return [] }
        let pattern = UserSearch.Query.likePattern(query.text)
        let phone = UserSearch.Query.likePattern(query.phoneText)
        var sql: SQLQueryString = """
            SELECT u.*, t.name AS tenant_name FROM users u JOIN tenants t ON t.id = u.tenant_id
            WHERE (u.username_key LIKE \(bind: pattern) ESCAPE '\\' OR LOWER(u.display_name) LIKE \(bind: pattern) ESCAPE '\\'
              OR EXISTS (SELECT 1 FROM contacts c WHERE c.user_id = u.id AND ((c.kind = 'email' AND LOWER(c.value) LIKE \(bind: pattern) ESCAPE '\\')
                OR (c.kind = 'phone' AND c.value LIKE \(bind: phone) ESCAPE '\\')))
              OR EXISTS (SELECT 1 FROM cards k WHERE k.user_id = u.id AND LOWER(k.serial) LIKE \(bind: pattern) ESCAPE '\\')
              OR EXISTS (SELECT 1 FROM tokens o WHERE o.user_id = u.id AND o.id LIKE \(bind: pattern) ESCAPE '\\'))
            """
        if let ids = query.tenantIDs {
            sql += " AND u.tenant_id IN (\(binds: ids.sorted { $0.uuidString < $1.uuidString }.map { Row.id($0) }))"
        }
        sql += " ORDER BY t.name, u.username_key LIMIT \(bind: Int64(query.limit))"
        let final = sql
        return try await backend.read { db in
            try await db.raw(final).all().map { row in
                UserSearch.Hit(user: try Self.user(from: row), tenantName: try row.decode(column: "tenant_name", as: String.self))
            }
        }
    }

    /// `WHERE …` for `filter` (always at least `1 = 1`).
    static func whereClause(_ filter: AuditFilter) -> SQLQueryString {
        var sql: SQLQueryString = " WHERE 1 = 1"
        if let tenants = filter.tenants {
            // An empty set selects nothing (no tenant matches an empty list, which SQL cannot write).
            sql += tenants.isEmpty ? " AND 1 = 0" : " AND tenant IN (\(binds: tenants.sorted()))"
        }
        if let from = filter.from { sql += " AND time >= \(bind: Row.millis(from))" }
        if let to = filter.to { sql += " AND time < \(bind: Row.millis(to))" }
        if !filter.events.isEmpty { sql += " AND event IN (\(binds: filter.events))" }
        if let actor = filter.actor { sql += " AND actor = \(bind: actor)" }
        if let subject = filter.subject { sql += " AND subject = \(bind: subject)" }
        if let outcome = filter.outcome { sql += " AND outcome = \(bind: outcome)" }
        return sql
    }

    public func auditEvents(_ filter: AuditFilter) async throws -> [AuditEvent] {
        let sql: SQLQueryString = "SELECT * FROM audit_events" + Self.whereClause(filter)
            + " ORDER BY time DESC, chain, seq DESC LIMIT \(bind: Int64(max(filter.limit, 0))) OFFSET \(bind: Int64(max(filter.offset, 0)))"
        return try await backend.read { db in try await db.raw(sql).all().map(Self.event(from:)) }
    }

    public func hourlyAuditCounts(_ filter: AuditFilter) async throws -> [Date: Int] {
        // Integer division of milliseconds: the hour's number on both databases (BIGINT / BIGINT truncates).
        let sql: SQLQueryString = "SELECT time / 3600000 AS h, COUNT(*) AS n FROM audit_events" + Self.whereClause(filter) + " GROUP BY time / 3600000"
        return try await backend.read { db in
            var out: [Date: Int] = [:]
            for row in try await db.raw(sql).all() {
                out[Row.date(try row.decode(column: "h", as: Int64.self) * 3_600_000)] = Int(try row.decode(column: "n", as: Int64.self))
            }
            return out
        }
    }

    public func attentionTokens(tenantIDs: Set<UUID>?, now: Date, limit: Int) async throws -> [Token] {
        if let ids = tenantIDs, ids.isEmpty { return [] }
        var sql: SQLQueryString = """
            SELECT o.*, t.name AS tenant_name FROM tokens o JOIN tenants t ON t.id = o.tenant_id
            WHERE (o.state = 'locked' OR (o.state = 'active' AND o.throttled_until > \(bind: Row.millis(now))))
            """
        if let ids = tenantIDs { sql += " AND o.tenant_id IN (\(binds: ids.sorted { $0.uuidString < $1.uuidString }.map { Row.id($0) }))" }
        sql += " ORDER BY CASE WHEN o.state = 'locked' THEN 0 ELSE 1 END, t.name, o.created_at, o.id LIMIT \(bind: Int64(limit))"
        let final = sql
        return try await backend.read { db in try await db.raw(final).all().map { try Self.storedToken(from: $0).token } }
    }

    public func failedMessageCount(tenants: Set<String>?, since: Date) async throws -> Int {
        if let tenants, tenants.isEmpty { return 0 }
        var sql: SQLQueryString = "SELECT COUNT(*) AS n FROM outbox WHERE status = 'failed' AND created_at >= \(bind: Row.millis(since))"
        if let tenants { sql += " AND tenant IN (\(binds: tenants.sorted()))" }
        let final = sql
        return try await backend.read { db in Int(try await db.raw(final).first()?.decode(column: "n", as: Int64.self) ?? 0) }
    }
}
