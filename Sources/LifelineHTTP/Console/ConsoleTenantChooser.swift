import Hummingbird
import LifelineCore

/// The menu entry of a per-organization page (`/console/settings`, `/console/directory`): the operator's one
/// organization at once, or the list of its organizations to choose from.
enum ConsoleTenantChooser {
    /// Needs `permission`; `base` is the page's path without the tenant (`/console/settings`).
    static func response(base: String, title: String, permission: Permission, env: ConsoleEnvironment,
                         context: ConsoleRequestContext) async throws -> Response {
        try Authorizer().require(permission, context.principal)
        let tenants = try await env.deps.admin.listTenants(caller: context.principal).sorted { $0.name < $1.name }
        if tenants.count == 1 { return ConsoleRenderer.redirect(base + "/" + ConsolePaths.segment(tenants[0].name)) }
        return env.renderer.page("console_settings_list", title: title, context: context, data: [
            "tenants": tenants.map { ["name": $0.name, "display": $0.displayName, "href": base + "/" + ConsolePaths.segment($0.name)] },
        ])
    }
}
