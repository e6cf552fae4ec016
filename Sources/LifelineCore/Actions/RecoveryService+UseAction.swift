import Foundation

extension RecoveryService {
    /// Performs the action `name` with a verified flow's single-use grant: the one path of every action (the API
    /// and the web call it alike).
    ///
    /// Here, for every action: an unknown name is `notFound`; the flow must be verified with an open grant of the
    /// action, its steps must still reach the action's assurance, and its user must still be active (each refusal
    /// audited as `recovery.<id>`). Then the action checks its input, claims the grant (``ActionContext/claim(counters:reason:)``)
    /// and acts.
    public func useAction(flowID: UUID, action name: String, input: ActionInput = .none, source: String) async throws -> ActionResult {
        guard let action = actions.action(named: name) else { throw LifelineError(.notFound, "no such action") }
        let flow = try await load(flowID)
        let now = clock.now()
        let (tenant, config) = try await tenantConfig(flow.tenant)
        func audit(_ reason: String) -> AuditRecord {
            AuditRecord(time: now, tenant: tenant.name, actor: "anonymous", subject: flow.username, event: "recovery.\(action.id.rawValue)",
                        outcome: "refused", reason: reason, source: source)
        }
        guard flow.phase == .verified, let userID = flow.userID,
              let grant = flow.grants.first(where: { $0.action == action.id }), grant.usedAt == nil, grant.expiresAt > now else {
            try await storage.append(audit("no usable grant"))
            throw LifelineError(.actionUnavailable, "this flow does not (or no longer) allow this action")
        }
        // Why again at use: a configuration stored before the assurance rules (or changed since the flow started)
        // must not let a flow of one factor use an action that needs two.
        let stepTypes = flow.definitionID.flatMap(config.flow)?.steps.compactMap { config.method($0)?.type } ?? []
        guard !stepTypes.isEmpty, ActionAssurance.reached(by: stepTypes) >= action.assurance else {
            try await storage.append(audit("the flow's steps fall short of the action's assurance (\(action.assurance.rawValue))"))
            throw LifelineError(.actionUnavailable, "this flow does not (or no longer) allow this action")
        }
        // Why re-checked: a user disabled by an administrator after verifying must not still act.
        guard let user = try await storage.user(id: userID), user.status == .active else {
            try await storage.append(audit("user no longer active"))
            throw LifelineError(.actionUnavailable, "this action is not available")
        }
        let ctx = ActionContext(service: self, flow: flow, tenant: tenant, config: config, action: action.id, user: user, now: now, source: source)
        return try await action.perform(ctx, input: input)
    }

    /// The granted actions the user's current state rules out, with the catalog id of the reason (each action's
    /// ``RecoveryAction/unavailableReason(_:)``: no account in the directory, an account that is not locked, no card
    /// registered, an authenticator with nothing to unlock).
    /// Only for verified flows (decoy flows never get here), so it reveals nothing to the anonymous world.
    func unavailableActions(_ flow: RecoveryFlow, tenant: Tenant, config: RecoveryConfig, now: Date) async -> [RecoveryActionID: String] {
        guard flow.phase == .verified, let userID = flow.userID else { return [:] }
        let open = flow.grants.filter { $0.usedAt == nil && $0.expiresAt > now }.compactMap { actions.action($0.action) }
        guard !open.isEmpty, let user = try? await storage.user(id: userID) else { return [:] }
        let check = ActionCheck(service: self, flow: flow, tenant: tenant, config: config, user: user, directoryLookup: DirectoryAccountLookup())
        var out: [RecoveryActionID: String] = [:]
        for action in open {
            if let reason = await action.unavailableReason(check) { out[action.id] = reason }
        }
        return out
    }
}
