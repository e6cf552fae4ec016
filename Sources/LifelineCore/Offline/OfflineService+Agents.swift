import Foundation

extension OfflineService {
    // MARK: agents (permission agents.manage / agents.read)

    /// Registers `name` as an agent of `tenantName` with a new API key of role `agent` (audited `agent.register`).
    ///
    /// Why here and not through ``AdminService/createAPIKey(role:tenantName:name:expiresAt:caller:)``: that one refuses
    /// role `agent` on purpose (``Authorizer/requireGrant(_:by:)``), so every agent key belongs to a registered agent,
    /// which can be listed and revoked with its machines' offline data.
    public func registerAgent(tenantName: String, name: String, caller: Principal) async throws -> RegisteredAgent {
        try authorizer.require(.agentsManage, caller)
        let tenant = try await admin.tenant(tenantName, caller: caller)
        let name = try OfflineRules.agentName(name)
        let now = clock.now()
        let (key, presented) = try admin.makeAPIKey(role: .agent, tenantID: tenant.id, name: "agent \(name)", expiresAt: nil,
                                                    createdBy: caller.actor, now: now)
        let agent = Agent(id: random.uuid(), tenantID: tenant.id, name: name, apiKeyID: key.id, createdAt: now, createdBy: caller.actor)
        try await storage.insertAgent(agent, key: key, audit: record(caller, tenant: tenant.name, subject: "agent:\(name)", event: "agent.register",
                                                                     reason: "apikey:\(key.id)"))
        return RegisteredAgent(agent: agent, key: presented)
    }

    /// The tenant's agents, by name.
    public func agents(tenantName: String, caller: Principal) async throws -> [Agent] {
        try authorizer.require(.agentsRead, caller)
        let tenant = try await admin.tenant(tenantName, caller: caller)
        return try await storage.agents(tenantID: tenant.id)
    }

    /// Revokes the agent (its key and its machines' offline data end; audited `agent.revoke`). Unknown → `notFound`.
    /// Revoking a revoked agent changes nothing and is not audited again.
    public func revokeAgent(tenantName: String, agentID: UUID, caller: Principal) async throws {
        try authorizer.require(.agentsManage, caller)
        let tenant = try await admin.tenant(tenantName, caller: caller)
        // Why the tenant is compared: an operator of one organization must not reach another's agents by id.
        guard let agent = try await storage.agent(id: agentID), agent.tenantID == tenant.id else { throw LifelineError(.notFound, "no such agent") }
        _ = try await storage.revokeAgent(id: agent.id, now: clock.now(),
                                          audit: record(caller, tenant: tenant.name, subject: "agent:\(agent.name)", event: "agent.revoke",
                                                        reason: "apikey:\(agent.apiKeyID)"))
    }

    /// The live agent behind an agent key, with its tenant. Why `unauthorized` for a revoked agent: its key is revoked
    /// with it, so this only closes the moment between the two (and a key cached by the HTTP adapter).
    func callingAgent(_ caller: Principal) async throws -> (Agent, Tenant) {
        try authorizer.require(.agentAuthenticate, caller)
        guard case .apiKey(let keyID) = caller.identity, let agent = try await storage.agent(apiKeyID: keyID), agent.revokedAt == nil,
              caller.mayAccess(agent.tenantID), let tenant = try await storage.tenant(id: agent.tenantID) else {
            throw LifelineError(.unauthorized, "not a registered agent")
        }
        return (agent, tenant)
    }
}
