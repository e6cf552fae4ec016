import Foundation
import LifelineCore

/// The offline rows in memory (``InMemoryStore/State/offline``).
struct OfflineState: Sendable {
    var agents: [UUID: Agent] = [:]
    var grants: [UUID: OfflineGrant] = [:]
    var codes: [UUID: OfflineEmergencyCodes] = [:]
    var groups: [UUID: [String]] = [:]

    /// Ends the live grants matching `filter` with `reason`; returns how many.
    mutating func end(where filter: (OfflineGrant) -> Bool, reason: String, now: Date) -> Int {
        var n = 0
        for (id, g) in grants where g.isLive && filter(g) {
            grants[id]?.endedAt = now; grants[id]?.endedReason = reason
            n += 1
        }
        return n
    }
}

/// Faithful to ``OfflineStore``'s contract: each write runs under the store's one lock on a copy of the state (all or
/// nothing), so its conditions are checked and its changes made atomically, as the SQL store's conditional UPDATEs do.
extension InMemoryStore: OfflineStore {
    public func insertAgent(_ agent: Agent, key apiKey: APIKey, audit: AuditRecord) async throws {
        let key = try await auditKey()
        try write { s in
            guard !s.offline.agents.values.contains(where: { $0.tenantID == agent.tenantID && $0.revokedAt == nil && $0.name.lowercased() == agent.name.lowercased() }) else {
                throw LifelineError(.conflict, "an agent of this name exists")
            }
            guard s.apiKeys[apiKey.id] == nil, s.offline.agents[agent.id] == nil else { throw LifelineError(.conflict, "duplicate agent") }
            guard s.tenants[agent.tenantID] != nil else { throw LifelineError(.integrity, "no such tenant (foreign key)") }
            s.apiKeys[apiKey.id] = apiKey
            s.offline.agents[agent.id] = agent
            Self.append(audit, key: key, to: &s)
        }
    }

    public func agents(tenantID: UUID) async throws -> [Agent] {
        read { $0.offline.agents.values.filter { $0.tenantID == tenantID }.sorted { ($0.name.lowercased(), $0.createdAt) < ($1.name.lowercased(), $1.createdAt) } }
    }

    public func agent(id: UUID) async throws -> Agent? { read { $0.offline.agents[id] } }

    public func agent(apiKeyID: String) async throws -> Agent? { read { s in s.offline.agents.values.first { $0.apiKeyID == apiKeyID } } }

    public func revokeAgent(id: UUID, now: Date, audit: AuditRecord) async throws -> Bool {
        let key = try await auditKey()
        return write { s in
            guard let agent = s.offline.agents[id], agent.revokedAt == nil else { return false }
            s.offline.agents[id]?.revokedAt = now
            if s.apiKeys[agent.apiKeyID]?.revokedAt == nil { s.apiKeys[agent.apiKeyID]?.revokedAt = now }
            _ = s.offline.end(where: { $0.agentID == id }, reason: "agent_revoked", now: now)
            Self.append(audit, key: key, to: &s)
            return true
        }
    }

    public func touchAgent(id: UUID, at: Date) async throws {
        write { s in
            guard let agent = s.offline.agents[id] else { return }
            if agent.lastSeenAt.map({ at.timeIntervalSince($0) >= 60 }) ?? true { s.offline.agents[id]?.lastSeenAt = at }
        }
    }

    public func issueGrant(_ grant: OfflineGrant, now: Date, audit: AuditRecord) async throws {
        let key = try await auditKey()
        try write { s in
            guard s.offline.grants[grant.id] == nil else { throw LifelineError(.conflict, "duplicate grant") }
            guard s.users[grant.userID] != nil, s.offline.agents[grant.agentID] != nil else { throw LifelineError(.integrity, "no such user or agent (foreign key)") }
            _ = s.offline.end(where: { $0.tenantID == grant.tenantID && $0.userID == grant.userID && $0.agentID == grant.agentID && $0.machine == grant.machine },
                              reason: "replaced", now: now)
            s.offline.grants[grant.id] = grant
            Self.append(audit, key: key, to: &s)
        }
    }

    public func liveGrant(tenantID: UUID, userID: UUID, agentID: UUID, machine: String) async throws -> OfflineGrant? {
        read { s in s.offline.grants.values.first { $0.isLive && $0.tenantID == tenantID && $0.userID == userID && $0.agentID == agentID && $0.machine == machine } }
    }

    public func grant(id: UUID) async throws -> OfflineGrant? { read { $0.offline.grants[id] } }

    public func grants(tenantID: UUID, userID: UUID, limit: Int) async throws -> [OfflineGrant] {
        read { s in
            Array(s.offline.grants.values.filter { $0.tenantID == tenantID && $0.userID == userID }
                .sorted { ($0.issuedAt, $0.id.uuidString) > ($1.issuedAt, $1.id.uuidString) }.prefix(max(limit, 0)))
        }
    }

    public func refillGrant(oldID: UUID, presentedRefillHash: [UInt8], new: OfflineGrant, now: Date, audit: AuditRecord) async throws -> Bool {
        let key = try await auditKey()
        return try write { s in
            guard let old = s.offline.grants[oldID], old.isLive, old.refillHash == presentedRefillHash, old.expiresAt > now else { return false }
            guard s.offline.grants[new.id] == nil else { throw LifelineError(.conflict, "duplicate grant") }
            s.offline.grants[oldID]?.endedAt = now; s.offline.grants[oldID]?.endedReason = "refilled"
            s.offline.grants[new.id] = new
            Self.append(audit, key: key, to: &s)
            return true
        }
    }

    public func endGrants(tenantID: UUID, userID: UUID?, reason: String, now: Date, audit: AuditRecord) async throws -> Int {
        let key = try await auditKey()
        return write { s in
            let n = s.offline.end(where: { $0.tenantID == tenantID && (userID == nil || $0.userID == userID) }, reason: reason, now: now)
            if n > 0 { Self.append(audit, key: key, to: &s) }
            return n
        }
    }

    public func endGrant(id: UUID, reason: String, now: Date, audit: AuditRecord) async throws -> Bool {
        let key = try await auditKey()
        return write { s in
            let n = s.offline.end(where: { $0.id == id }, reason: reason, now: now)
            if n > 0 { Self.append(audit, key: key, to: &s) }
            return n > 0
        }
    }

    public func emergencyCodes(tokenID: UUID) async throws -> OfflineEmergencyCodes? { read { $0.offline.codes[tokenID] } }

    public func putEmergencyCodes(_ codes: OfflineEmergencyCodes, audit: AuditRecord) async throws {
        let key = try await auditKey()
        try write { s in
            guard s.tokens[codes.tokenID] != nil else { throw LifelineError(.integrity, "no such token (foreign key)") }
            var c = codes
            c.downloadedAt = nil; c.failures = 0
            s.offline.codes[codes.tokenID] = c
            Self.append(audit, key: key, to: &s)
        }
    }

    public func setEmergencyOnlineUse(tokenID: UUID, on: Bool, audit: AuditRecord) async throws -> Bool {
        let key = try await auditKey()
        return write { s in
            guard s.offline.codes[tokenID] != nil else { return false }
            s.offline.codes[tokenID]?.onlineUse = on
            if on { s.offline.codes[tokenID]?.failures = 0 }
            Self.append(audit, key: key, to: &s)
            return true
        }
    }

    public func markEmergencyDownloaded(tokenID: UUID, at: Date) async throws {
        write { s in s.offline.codes[tokenID]?.downloadedAt = at }
    }

    public func countEmergencyFailure(tokenID: UUID, limit: Int, audit: AuditRecord) async throws -> Int? {
        let key = try await auditKey()
        return write { s in
            guard var c = s.offline.codes[tokenID], c.onlineUse, c.failures < limit else { return nil }
            c.failures += 1
            if c.failures >= limit { c.onlineUse = false }
            s.offline.codes[tokenID] = c
            Self.append(audit, key: key, to: &s)
            return c.failures
        }
    }

    public func clearEmergencyFailures(tokenID: UUID) async throws {
        write { s in s.offline.codes[tokenID]?.failures = 0 }
    }

    public func groups(userID: UUID) async throws -> [String] { read { ($0.offline.groups[userID] ?? []).sorted() } }

    public func setGroups(tenantID: UUID, userID: UUID, groups: [String], audit: AuditRecord) async throws {
        let key = try await auditKey()
        try write { s in
            guard s.users[userID]?.tenantID == tenantID else { throw LifelineError(.integrity, "no such user (foreign key)") }
            s.offline.groups[userID] = groups
            Self.append(audit, key: key, to: &s)
        }
    }
}
