import Foundation
import Hummingbird
import LifelineCore

/// `/console/agents/{tenant}` (issue 17): the organization's laptop agents — name, created, last seen, state — with
/// "Register agent" (shows the new agent's key once) and "Revoke" (after a confirmation page). Reading needs
/// `agents.read`, registering and revoking `agents.manage`; the service decides both.
struct ConsoleAgentsPage {
    let env: ConsoleEnvironment
    var renderer: ConsoleRenderer { env.renderer }

    /// The outcomes a redirect may name (`?a=`): only these keys are shown, never text from the URL.
    static let outcomes: Set<String> = ["revoked"]

    func addRoutes(to group: RouterGroup<ConsoleRequestContext>) {
        group.get("/agents") { _, context in
            try await ConsoleTenantChooser.response(base: "/console/agents", title: renderer.text("offline_agents_title", context.language),
                                                    permission: .agentsRead, env: env, context: context)
        }
        group.get("/agents/:tenant") { request, context in
            try await page(context, tenant: try Self.tenant(context), outcome: request.uri.queryParameters.get("a").map { String($0) })
        }
        group.post("/agents/:tenant") { _, context in
            let tenant = try Self.tenant(context)
            try Authorizer().require(.agentsManage, context.principal)
            // Why re-authentication: the answer is a key that authenticates the organization's users and receives
            // their offline data; a console left open must not be enough to mint one.
            if let r = ConsoleReauth.required(context, env: env, next: Self.path(tenant)) { return r }
            let registered: RegisteredAgent
            do {
                registered = try await env.deps.offline.registerAgent(tenantName: tenant, name: context.form["name"] ?? "", caller: context.principal)
            } catch let e as LifelineError where e.code == .invalidRequest || e.code == .conflict {
                // The form again, with what to fix (the name), instead of an error page.
                return try await page(context, tenant: tenant, error: renderer.text("offline_agent_error_name", context.language, ["detail": e.message]),
                                      status: APIError.from(e).status)
            }
            let lang = context.language
            return ConsoleAuthenticatorPage.once("console_agent_shown", title: renderer.text("offline_agent_shown_title", lang), renderer: renderer,
                                                 context: context, data: [
                "back": Self.path(tenant), "name": registered.agent.name, "key": registered.key, "id": registered.agent.id.uuidString.lowercased(),
            ])
        }
        group.get("/agents/:tenant/:id/revoke") { _, context in
            let tenant = try Self.tenant(context)
            try Authorizer().require(.agentsManage, context.principal)
            let agent = try await live(tenant: tenant, context: context)
            return renderer.page("console_agent_revoke", title: renderer.text("offline_agent_revoke_title", context.language, ["name": agent.name]),
                                 context: context, data: ["back": Self.path(tenant), "name": agent.name,
                                                          "action": Self.path(tenant) + "/" + agent.id.uuidString.lowercased() + "/revoke"])
        }
        group.post("/agents/:tenant/:id/revoke") { _, context in
            let tenant = try Self.tenant(context)
            let agent = try await live(tenant: tenant, context: context)
            try await env.deps.offline.revokeAgent(tenantName: tenant, agentID: agent.id, caller: context.principal)
            return ConsoleRenderer.redirect(Self.path(tenant) + "?a=revoked")
        }
    }

    /// The live agent the path's `:id` names; unknown, revoked or not a UUID → 404.
    func live(tenant: String, context: ConsoleRequestContext) async throws -> Agent {
        let id = UUID(uuidString: try context.parameters.require("id"))
        guard let id, let agent = try await env.deps.offline.agents(tenantName: tenant, caller: context.principal)
                .first(where: { $0.id == id && $0.revokedAt == nil }) else { throw LifelineError(.notFound, "no such agent") }
        return agent
    }

    func page(_ context: ConsoleRequestContext, tenant name: String, outcome: String? = nil, error: String? = nil,
              status: HTTPResponse.Status = .ok) async throws -> Response {
        let lang = context.language
        let agents = try await env.deps.offline.agents(tenantName: name, caller: context.principal)
        let tenant = try await env.deps.admin.tenant(name, caller: context.principal)
        let mayManage = Authorizer().allows(context.principal, .agentsManage)
        var data: [String: Any] = [
            "tenant": tenant.name, "tenant_display": tenant.displayName, "action": Self.path(tenant.name), "may_manage": mayManage,
            "has_agents": !agents.isEmpty,
            "agents": agents.map { a -> [String: Any] in
                ["id": a.id.uuidString.lowercased(), "name": a.name, "created": ConsoleFormat.time(a.createdAt, lang), "created_by": a.createdBy,
                 "last_seen": a.lastSeenAt.map { ConsoleFormat.time($0, lang) } ?? "–",
                 "state": renderer.text(a.revokedAt == nil ? "offline_agent_live" : "offline_agent_revoked", lang),
                 "state_class": a.revokedAt == nil ? "state-active" : "state-revoked",
                 "may_revoke": mayManage && a.revokedAt == nil,
                 "revoke_href": Self.path(tenant.name) + "/" + a.id.uuidString.lowercased() + "/revoke"]
            },
        ]
        if let outcome, Self.outcomes.contains(outcome) { data["info"] = renderer.text("offline_agent_msg_\(outcome)", lang) }
        if let error { data["error"] = error }
        return renderer.page("console_agents", title: renderer.text("offline_agents_title_tenant", lang, ["tenant": tenant.displayName]),
                             context: context, status: status, data: data)
    }

    static func tenant(_ context: ConsoleRequestContext) throws -> String {
        let t = try context.parameters.require("tenant")
        return t.removingPercentEncoding ?? t
    }

    static func path(_ tenant: String) -> String { "/console/agents/" + ConsolePaths.segment(tenant) }
}
