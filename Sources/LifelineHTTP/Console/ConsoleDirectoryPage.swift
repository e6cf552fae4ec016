import Foundation
import Hummingbird
import LifelineCore

/// `/console/directory/{tenant}`: the tenant's users from its directory (docs/directory-users.md): the attribute
/// mapping with the defaults filled in, the last sync, "Sync now" (`directory.sync`: tenant-admin, superuser) and a
/// CSV import (`users.write`). Reading the page needs `config.read`. The services decide every permission.
struct ConsoleDirectoryPage {
    let env: ConsoleEnvironment
    var renderer: ConsoleRenderer { env.renderer }

    func addRoutes(to group: RouterGroup<ConsoleRequestContext>) {
        // The menu's entry: the operator's one organization, or a list of them to choose from.
        group.get("/directory") { _, context in
            try await ConsoleTenantChooser.response(base: "/console/directory", title: renderer.text("directory_nav", context.language),
                                                    permission: .configRead, env: env, context: context)
        }
        group.get("/directory/:tenant") { request, context in
            let done = request.uri.queryParameters.get("done") == "sync" ? renderer.text("directory_sync_done", context.language) : nil
            return try await page(context, tenant: try context.parameters.require("tenant"), notice: done)
        }
        group.post("/directory/:tenant/sync") { _, context in
            let tenant = try context.parameters.require("tenant")
            _ = try await service().sync(tenantName: tenant, trigger: "console", caller: context.principal)
            return ConsoleRenderer.redirect("/console/directory/\(tenant)?done=sync")
        }
        group.post("/directory/:tenant/import") { _, context in
            let tenant = try context.parameters.require("tenant")
            let summary = try await service().importUsers(tenantName: tenant, csv: context.form["csv"] ?? "", caller: context.principal)
            let lang = context.language
            let notice = renderer.text("directory_import_done", lang, ["created": "\(summary.created)", "updated": "\(summary.updated)",
                                                                      "unchanged": "\(summary.unchanged)", "refused": "\(summary.refused.count)"])
            let refused = summary.refused.map { renderer.text("directory_refused_line", lang, ["line": "\($0.line)", "reason": $0.reason]) }
            return try await page(context, tenant: tenant, notice: notice, refused: refused)
        }
    }

    func service() throws -> DirectoryUserService {
        guard let service = env.deps.directoryUsers else { throw LifelineError(.unavailable, "this server has no directory user service") }
        return service
    }

    func page(_ context: ConsoleRequestContext, tenant name: String, notice: String? = nil, refused: [String] = []) async throws -> Response {
        let lang = context.language
        let s = try await service().status(tenantName: name, caller: context.principal)
        func t(_ key: String) -> String { renderer.text(key, lang) }
        var data: [String: Any] = [
            "tenant": s.tenant.name, "tenant_display": s.tenant.displayName,
            "connection": s.settings.ldap?.connection ?? "—",
            "configured": s.users != nil,
            "may_sync": s.users != nil && Authorizer().allows(context.principal, .directorySync),
            "may_import": Authorizer().allows(context.principal, .usersWrite),
            "refused": refused, "has_refused": !refused.isEmpty,
        ]
        if let notice { data["notice"] = notice }
        if let users = s.users {
            let a = users.attributes.resolved(for: s.flavor ?? .openldap)
            data["mapping"] = [("directory_username", a.username), ("directory_display_name", a.displayName), ("directory_mail", a.mail),
                               ("directory_mobile", a.mobile), ("directory_language", a.language)].map { ["field": t($0.0), "attribute": $0.1] }
            data["filter"] = users.filter ?? t("directory_filter_default")
            data["lookup"] = t(users.lookupAtFlowStart ? "directory_yes" : "directory_no")
            data["interval"] = users.syncInterval == 0 ? t("directory_sync_off") : renderer.text("directory_seconds", lang, ["seconds": "\(users.syncInterval)"])
            data["verified"] = t(users.contactsVerified ? "directory_yes" : "directory_no")
        }
        if let run = s.lastRun {
            let r = run.summary
            var last: [String: Any] = ["started": ConsoleFormat.time(run.startedAt, lang), "by": run.actor, "created": r.created, "updated": r.updated,
                                       "disabled": r.disabled, "unchanged": r.unchanged, "refused": r.refused]
            if let error = run.error { last["stopped"] = renderer.text("directory_stopped", lang, ["error": error]) }
            data["last"] = last
        }
        return renderer.page("console_directory", title: t("directory_title") + " — " + s.tenant.displayName, context: context, data: data)
    }
}
