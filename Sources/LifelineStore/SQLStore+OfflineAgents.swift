import Foundation
import LifelineCore
import SQLKit

/// Offline authentication's agents (issue 17, migration 22; ``OfflineStore``). The grants are in
/// `SQLStore+OfflineGrants.swift`, the emergency access tokencodes in `SQLStore+OfflineEmergencyCodes.swift`, the
/// groups in `SQLStore+OfflineGroups.swift`.
///
/// How the conditional writes stay atomic: as in `SQLStore+Authenticator.swift`, each condition is one
/// `UPDATE … WHERE <condition> RETURNING` (PostgreSQL re-checks the WHERE clause on a row a concurrent writer changed;
/// SQLite runs one writer at a time), and a uniqueness rule is an `INSERT … ON CONFLICT DO NOTHING RETURNING` against
/// a (partial) unique index. Rows are locked agent first, then its API key, then grants, then the audit head.
extension SQLStore: OfflineStore {
    // MARK: agents

    public func insertAgent(_ agent: Agent, key: APIKey, audit: AuditRecord) async throws {
        guard agent.apiKeyID == key.id, key.tenantID == agent.tenantID else {
            throw LifelineError(.integrity, "the agent's key is not the key given")
        }
        try await backend.write(lane: audit.chain) { db in
            // The key first: the agent row refers to it. If the name turns out taken, the thrown conflict rolls the
            // whole transaction back, key included (the writer never keeps a throwing job's writes).
            try await Self.insert(apiKey: key, in: db)
            // Why ON CONFLICT rather than catching the error: on PostgreSQL a failed statement aborts the transaction,
            // and a concurrent registration of the same name waits here for the other's commit and then does nothing.
            let inserted = try await db.raw("""
                INSERT INTO agents (id, tenant_id, name, name_key, api_key_id, created_at, created_by, last_seen_at, revoked_at)
                VALUES (\(bind: Row.id(agent.id)), \(bind: Row.id(agent.tenantID)), \(bind: agent.name), \(bind: Self.nameKey(agent.name)),
                  \(bind: agent.apiKeyID), \(bind: Row.millis(agent.createdAt)), \(bind: agent.createdBy),
                  \(bind: agent.lastSeenAt.map(Row.millis)), \(bind: agent.revokedAt.map(Row.millis)))
                ON CONFLICT DO NOTHING RETURNING id
                """).first()
            guard inserted != nil else { throw LifelineError(.conflict, "an agent named \(agent.name) exists") }
            try await self.appendAudit(audit, in: db)
        }
    }

    public func agents(tenantID: UUID) async throws -> [Agent] {
        let all = try await backend.read { db in
            try await db.raw("SELECT * FROM agents WHERE tenant_id = \(bind: Row.id(tenantID))").all().map(Self.agent(from:))
        }
        // Sorted here, not by the database: PostgreSQL's collation and SQLite's byte order differ.
        return all.sorted { ($0.name.lowercased(), $0.createdAt, $0.id.uuidString) < ($1.name.lowercased(), $1.createdAt, $1.id.uuidString) }
    }

    public func agent(id: UUID) async throws -> Agent? {
        try await backend.read { db in
            try await db.raw("SELECT * FROM agents WHERE id = \(bind: Row.id(id))").first().map(Self.agent(from:))
        }
    }

    public func agent(apiKeyID: String) async throws -> Agent? {
        try await backend.read { db in
            try await db.raw("SELECT * FROM agents WHERE api_key_id = \(bind: apiKeyID)").first().map(Self.agent(from:))
        }
    }

    public func revokeAgent(id: UUID, now: Date, audit: AuditRecord) async throws -> Bool {
        let at = Row.millis(now)
        let keyID = try await backend.write(lane: audit.chain) { db -> String? in
            // The condition (not revoked yet) is the agent row's UPDATE: of concurrent revocations one matches.
            guard let row = try await db.raw("""
                UPDATE agents SET revoked_at = \(bind: at) WHERE id = \(bind: Row.id(id)) AND revoked_at IS NULL RETURNING api_key_id
                """).first() else { return nil }
            let keyID = try row.decode(column: "api_key_id", as: String.self)
            // Why the key too: an agent's key is only good for the agent API, and a revoked agent must be refused there.
            try await db.raw("""
                UPDATE api_keys SET revoked_at = \(bind: at) WHERE id = \(bind: keyID) AND revoked_at IS NULL
                """).run()
            try await db.raw("""
                UPDATE offline_grants SET ended_at = \(bind: at), ended_reason = 'agent_revoked'
                WHERE agent_id = \(bind: Row.id(id)) AND ended_at IS NULL
                """).run()
            try await self.appendAudit(audit, in: db)
            return keyID
        }
        guard let keyID else { return false }
        // This process refuses the key at once (after the commit); the others within the API key recheck interval.
        apiKeysByID.remove(keyID)
        return true
    }

    public func touchAgent(id: UUID, at: Date) async throws {
        // Why at most once a minute: every agent call would otherwise write. Per process first (no transaction at all
        // for a call within the minute of the time this process knows), then in the database (another instance may
        // have written meanwhile). Concurrent calls race for the slot under the lock, so only one of them writes.
        let due = agentTouches.withLock { touches -> Bool in
            if let last = touches[id], at.timeIntervalSince(last) < Self.agentTouchGranularity { return false }
            // Bounded: past 10,000 agents the table starts over (costing one early write per agent).
            if touches.count >= 10_000, touches[id] == nil { touches.removeAll(keepingCapacity: true) }
            touches[id] = at
            return true
        }
        guard due else { return }
        let millis = Row.millis(at)
        let minute = Int64(Self.agentTouchGranularity * 1000)
        let stored = try await backend.write(lane: Self.offlineLane) { db -> Int64? in
            let changed = try await db.raw("""
                UPDATE agents SET last_seen_at = \(bind: millis)
                WHERE id = \(bind: Row.id(id)) AND (last_seen_at IS NULL OR last_seen_at <= \(bind: millis - minute))
                RETURNING id
                """).first()
            guard changed == nil else { return nil }
            return try await db.raw("SELECT last_seen_at FROM agents WHERE id = \(bind: Row.id(id))").first()?
                .decode(column: "last_seen_at", as: Int64?.self)
        }
        // Not written (another instance wrote within the minute): the next due time counts from the stored time.
        if let stored { agentTouches.withLock { $0[id] = Row.date(stored) } }
    }

    // MARK: helpers

    /// How often at most an agent's `last_seen_at` is written, in seconds.
    static let agentTouchGranularity: TimeInterval = 60

    /// The write lane of offline bookkeeping without audit (last seen, downloaded, failures cleared): its own, so that
    /// it neither waits behind nor holds up a tenant's audited writes.
    static let offlineLane = "offline:bookkeeping"

    /// The case-insensitive key of an agent's name (as usernames: `Laptop-1` and `laptop-1` are one name).
    static func nameKey(_ name: String) -> String { name.lowercased() }

    static func agent(from row: any SQLRow) throws -> Agent {
        Agent(id: try Row.uuid(row, "id"), tenantID: try Row.uuid(row, "tenant_id"), name: try row.decode(column: "name", as: String.self),
              apiKeyID: try row.decode(column: "api_key_id", as: String.self),
              createdAt: Row.date(try row.decode(column: "created_at", as: Int64.self)),
              createdBy: try row.decode(column: "created_by", as: String.self),
              lastSeenAt: try row.decode(column: "last_seen_at", as: Int64?.self).map(Row.date),
              revokedAt: try row.decode(column: "revoked_at", as: Int64?.self).map(Row.date))
    }
}
