import Foundation

extension OfflineService {
    // MARK: operators: offline windows

    /// The user's issued windows, newest first (permission agents.read).
    public func grants(tenantName: String, username: String, caller: Principal) async throws -> [OfflineGrantView] {
        try authorizer.require(.agentsRead, caller)
        let (tenant, user) = try await operatorUser(tenantName, username, caller)
        let names = Dictionary(try await storage.agents(tenantID: tenant.id).map { ($0.id, $0.name) }, uniquingKeysWith: { a, _ in a })
        let now = clock.now()
        return try await storage.grants(tenantID: tenant.id, userID: user.id, limit: OfflineRules.grantListLimit).map { g in
            OfflineGrantView(id: g.id, agentName: names[g.agentID] ?? "", machine: g.machine, tokenID: g.tokenID, issuedAt: g.issuedAt,
                             expiresAt: g.expiresAt, state: g.endedReason ?? (g.endedAt != nil ? "ended" : g.expiresAt <= now ? "expired" : "live"))
        }
    }

    /// Ends every live window of the user (permission agents.manage; audited `offline.revoke`): their machines wipe the
    /// data at the next contact. Returns how many ended.
    public func revokeGrants(tenantName: String, username: String, caller: Principal) async throws -> Int {
        try authorizer.require(.agentsManage, caller)
        let (tenant, user) = try await operatorUser(tenantName, username, caller)
        return try await storage.endGrants(tenantID: tenant.id, userID: user.id, reason: "revoked", now: clock.now(),
                                           audit: record(caller, tenant: tenant.name, subject: user.username, event: "offline.revoke"))
    }

    // MARK: groups (permission users.read / users.write)

    /// The user's groups, sorted.
    public func groups(tenantName: String, username: String, caller: Principal) async throws -> [String] {
        try authorizer.require(.usersRead, caller)
        let (_, user) = try await operatorUser(tenantName, username, caller)
        return try await storage.groups(userID: user.id)
    }

    /// Replaces the user's groups (audited `user.groups`). Names: ``UserGroups/isValidName(_:)``, at most
    /// ``UserGroups/maxPerUser``, duplicates (case-insensitive) merged.
    public func setGroups(tenantName: String, username: String, groups: [String], caller: Principal) async throws -> [String] {
        try authorizer.require(.usersWrite, caller)
        let (tenant, user) = try await operatorUser(tenantName, username, caller)
        var seen = Set<String>(), names: [String] = []
        for g in groups {
            guard UserGroups.isValidName(g) else { throw LifelineError(.invalidRequest, "a group name is 1 to 64 printable characters") }
            if seen.insert(g.lowercased()).inserted { names.append(g) }
        }
        guard names.count <= UserGroups.maxPerUser else { throw LifelineError(.invalidRequest, "at most \(UserGroups.maxPerUser) groups per user") }
        names.sort()
        try await storage.setGroups(tenantID: tenant.id, userID: user.id, groups: names,
                                    audit: record(caller, tenant: tenant.name, subject: user.username, event: "user.groups",
                                                  reason: names.joined(separator: ",")))
        return names
    }

    /// The tenant (scope checked) and its user `username`; unknown → `notFound`.
    func operatorUser(_ tenantName: String, _ username: String, _ caller: Principal) async throws -> (Tenant, User) {
        let tenant = try await admin.tenant(tenantName, caller: caller)
        guard let user = try await storage.user(tenantID: tenant.id, username: username) else { throw LifelineError(.notFound, "no such user") }
        return (tenant, user)
    }
}
