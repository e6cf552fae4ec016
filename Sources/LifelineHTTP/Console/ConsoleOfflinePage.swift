import Foundation
import Hummingbird
import LifelineCore

/// The user details page's "Offline authentication" section (issue 17): the user's offline windows (machine, agent,
/// issued, until, state) with "End offline data" (`agents.manage`), and the user's groups (read with `users.read`,
/// edited with `users.write`). Its forms post to `/console/users/{tenant}/{username}/offline` (`do=end` or `do=groups`).
struct ConsoleOfflinePage {
    let env: ConsoleEnvironment

    /// The outcomes a redirect may name (`?o=`): only these keys are shown.
    static let outcomes: Set<String> = ["ended", "groups"]

    func addRoutes(to group: RouterGroup<ConsoleRequestContext>) {
        group.post("/users/:tenant/:username/offline") { _, context in
            let (tenant, username) = try ConsoleAuthenticatorPage(env: env).names(context)
            let back = ConsoleUserAdminPages.userPath(tenant, username)
            switch context.form["do"] ?? "" {
            case "end":
                _ = try await env.deps.offline.revokeGrants(tenantName: tenant, username: username, caller: context.principal)
                return ConsoleRenderer.redirect(back + "?o=ended#offline")
            case "groups":
                // One name a line (or comma-separated): the form's textarea.
                let names = (context.form["groups"] ?? "").split(whereSeparator: { $0 == "\n" || $0 == "\r" || $0 == "," })
                    .map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
                do {
                    _ = try await env.deps.offline.setGroups(tenantName: tenant, username: username, groups: names, caller: context.principal)
                } catch let e as LifelineError where e.code == .invalidRequest {
                    return try await ConsoleUserPages(env: env).detailsPage(context, tenant: tenant, username: username,
                        authenticator: ["offline_error": env.renderer.text("offline_groups_invalid", context.language, ["detail": e.message])],
                        status: .badRequest)
                }
                return ConsoleRenderer.redirect(back + "?o=groups#offline")
            default:
                throw LifelineError(.invalidRequest, "unknown action")
            }
        }
    }
}

/// The data of the details page's offline section (template `console_user`, `offline_*` keys).
enum ConsoleOfflineSection {
    /// Nothing when the operator may read neither windows nor groups; a part that cannot be read now is left out.
    static func data(env: ConsoleEnvironment, context: ConsoleRequestContext, tenant: String, username: String, outcome: String?) async -> [String: Any] {
        let principal = context.principal, lang = context.language, renderer = env.renderer
        let authorizer = Authorizer()
        let mayWindows = authorizer.allows(principal, .agentsRead), mayGroups = authorizer.allows(principal, .usersRead)
        guard env.deps.offlineService != nil, mayWindows || mayGroups else { return [:] }
        var data: [String: Any] = ["show_offline": true, "offline_action": ConsoleUserAdminPages.userPath(tenant, username) + "/offline"]
        if let outcome, ConsoleOfflinePage.outcomes.contains(outcome) { data["offline_info"] = renderer.text("offline_msg_\(outcome)", lang) }
        if mayWindows, let grants = try? await env.deps.offline.grants(tenantName: tenant, username: username, caller: principal) {
            data["offline_show_windows"] = true
            data["offline_has_windows"] = !grants.isEmpty
            data["offline_windows"] = grants.map { g -> [String: Any] in
                ["machine": g.machine, "agent": g.agentName, "issued": ConsoleFormat.time(g.issuedAt, lang), "until": ConsoleFormat.time(g.expiresAt, lang),
                 "state": renderer.text(Self.stateKey(g.state), lang), "state_class": g.state == "live" ? "state-active" : "state-ended"]
            }
            data["offline_may_end"] = authorizer.allows(principal, .agentsManage) && grants.contains { $0.state == "live" }
        }
        if mayGroups, let groups = try? await env.deps.offline.groups(tenantName: tenant, username: username, caller: principal) {
            data["offline_show_groups"] = true
            data["offline_groups"] = groups.isEmpty ? renderer.text("pages_none", lang) : groups.joined(separator: ", ")
            data["offline_groups_text"] = groups.joined(separator: "\n")
            data["offline_may_groups"] = authorizer.allows(principal, .usersWrite)
        }
        return data
    }

    /// The catalog key of a window's state: the known ones translated, any other shown as "ended".
    static func stateKey(_ state: String) -> String {
        ["live", "expired", "refilled", "replaced", "policy_changed", "token_changed", "agent_revoked", "revoked"].contains(state)
            ? "offline_state_\(state)" : "offline_state_revoked"
    }
}
