import Foundation
import Hummingbird
import LifelineCore

/// Admin routes of offline authentication (issue 17): the tenant's agents (register, list, revoke), a user's offline
/// windows (list, end), a token's offline emergency access tokencodes (read, reset, online use) and a user's groups.
/// Permissions (`agents.*`, `offline_codes.*`, `users.*`) and scope are the service's; the handlers only translate.
struct AdminOfflineController {
    let deps: HTTPDependencies

    struct NameIn: Decodable { let name: String }
    struct OnlineUseIn: Decodable { let onlineUse: Bool }
    struct GroupsIn: Decodable { let groups: [String] }

    func addRoutes(to group: RouterGroup<AuthenticatedRequestContext>) {
        group.get("/tenants/:tenant/agents") { _, context in
            let agents = try await deps.offline.agents(tenantName: try context.parameters.require("tenant"), caller: context.principal)
            return try JSON.response(AgentsOut(agents: agents.map { AgentOut($0, key: nil) }))
        }
        group.post("/tenants/:tenant/agents") { request, context in
            let input = try await JSON.decode(NameIn.self, from: request)
            let registered = try await deps.offline.registerAgent(tenantName: try context.parameters.require("tenant"), name: input.name,
                                                                  caller: context.principal)
            var response = try JSON.response(AgentOut(registered.agent, key: registered.key), status: .created)
            // Why no-store: the answer holds the agent's key, shown this once.
            response.headers[.cacheControl] = "no-store"
            return response
        }
        group.delete("/tenants/:tenant/agents/:id") { _, context in
            try await deps.offline.revokeAgent(tenantName: try context.parameters.require("tenant"), agentID: try Self.id(context, "agent"),
                                               caller: context.principal)
            return Response(status: .noContent)
        }
        group.get("/tenants/:tenant/users/:username/offline") { _, context in
            let (tenant, username) = (try context.parameters.require("tenant"), try context.parameters.require("username"))
            let grants = try await deps.offline.grants(tenantName: tenant, username: username, caller: context.principal)
            return try JSON.response(WindowsOut(tenant: tenant, username: username, windows: grants.map(WindowOut.init)))
        }
        group.delete("/tenants/:tenant/users/:username/offline") { _, context in
            let ended = try await deps.offline.revokeGrants(tenantName: try context.parameters.require("tenant"),
                                                            username: try context.parameters.require("username"), caller: context.principal)
            return try JSON.response(["ended": ended])
        }
        group.get("/tenants/:tenant/tokens/:id/offline-emergency") { _, context in
            let view = try await deps.offline.emergencyCodes(tenantName: try context.parameters.require("tenant"), tokenID: try Self.id(context, "token"),
                                                             caller: context.principal)
            return try Self.secret(EmergencyOut(view))
        }
        group.post("/tenants/:tenant/tokens/:id/offline-emergency/reset") { _, context in
            let view = try await deps.offline.resetEmergencyCodes(tenantName: try context.parameters.require("tenant"),
                                                                  tokenID: try Self.id(context, "token"), caller: context.principal)
            return try Self.secret(EmergencyOut(view))
        }
        group.put("/tenants/:tenant/tokens/:id/offline-emergency") { request, context in
            let input = try await JSON.decode(OnlineUseIn.self, from: request)
            let view = try await deps.offline.setEmergencyOnlineUse(tenantName: try context.parameters.require("tenant"),
                                                                    tokenID: try Self.id(context, "token"), on: input.onlineUse, caller: context.principal)
            return try Self.secret(EmergencyOut(view))
        }
        group.get("/tenants/:tenant/users/:username/groups") { _, context in
            let (tenant, username) = (try context.parameters.require("tenant"), try context.parameters.require("username"))
            let groups = try await deps.offline.groups(tenantName: tenant, username: username, caller: context.principal)
            return try JSON.response(GroupsOut(tenant: tenant, username: username, groups: groups))
        }
        group.put("/tenants/:tenant/users/:username/groups") { request, context in
            let (tenant, username) = (try context.parameters.require("tenant"), try context.parameters.require("username"))
            let input = try await JSON.decode(GroupsIn.self, from: request)
            // Why a bound here too: the service checks the count, but a body of thousands of names should not get that far.
            guard input.groups.count <= UserGroups.maxPerUser * 4 else { throw LifelineError(.invalidRequest, "too many groups") }
            let groups = try await deps.offline.setGroups(tenantName: tenant, username: username, groups: input.groups, caller: context.principal)
            return try JSON.response(GroupsOut(tenant: tenant, username: username, groups: groups))
        }
    }

    /// The path's `:id` as a UUID; anything else names nothing, so 404 (as an unknown id would).
    static func id(_ context: AuthenticatedRequestContext, _ noun: String) throws -> UUID {
        guard let id = UUID(uuidString: try context.parameters.require("id")) else { throw LifelineError(.notFound, "no such \(noun)") }
        return id
    }

    /// A JSON answer that holds a secret (the emergency tokencodes): no cache keeps it.
    static func secret(_ value: some Encodable) throws -> Response {
        var response = try JSON.response(value)
        response.headers[.cacheControl] = "no-store"
        return response
    }
}
