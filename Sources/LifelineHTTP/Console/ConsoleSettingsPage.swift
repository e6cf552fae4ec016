import Foundation
import Hummingbird
import LifelineCore

/// `/console/settings/{tenant}`: the organization's recovery configuration as YAML. "Check" validates the edited
/// text and shows its problems (with their lines) or a line diff against the current configuration; "Apply" stores
/// it, after re-authentication (the TOTP code again, unless given in the last 5 minutes). Reading needs
/// `config.read`, applying `config.write` (tenant-admin, superuser); every other role is refused.
struct ConsoleSettingsPage {
    let env: ConsoleEnvironment
    var renderer: ConsoleRenderer { env.renderer }

    func addRoutes(to group: RouterGroup<ConsoleRequestContext>) {
        group.get("/settings") { _, context in
            try await ConsoleTenantChooser.response(base: "/console/settings", title: renderer.text("pages_settings_title", context.language),
                                                    permission: .configRead, env: env, context: context)
        }
        group.get("/settings/:tenant") { request, context in
            let (tenant, text) = try await env.consoleService.settings(tenantName: try context.parameters.require("tenant"), caller: context.principal)
            let applied = request.uri.queryParameters.get("applied") == "1"
            return page(context, tenant: tenant, text: text, notice: applied ? renderer.text("pages_settings_applied", context.language) : nil)
        }
        group.post("/settings/:tenant/check") { _, context in
            let name = try context.parameters.require("tenant")
            let text = context.form["yaml"] ?? ""
            let check = try await env.consoleService.checkSettings(tenantName: name, text: text, caller: context.principal)
            let tenant = try await env.deps.admin.tenant(name, caller: context.principal)
            return page(context, tenant: tenant, text: text, check: check)
        }
        group.post("/settings/:tenant/apply") { _, context in
            let name = try context.parameters.require("tenant")
            let text = context.form["yaml"] ?? ""
            let lang = context.language
            try Authorizer().require(.configWrite, context.principal)
            let tenant = try await env.deps.admin.tenant(name, caller: context.principal)
            // Why re-authentication: the configuration decides how every user of the organization proves who they are;
            // a stolen session must not be enough to weaken it. The code travels with the form, so the edited text is not lost.
            if !context.login.session.isRecentlyReauthenticated(at: env.now) {
                let code = (context.form["code"] ?? "").replacingOccurrences(of: " ", with: "")
                guard !code.isEmpty, try await env.operators.reauthenticate(context.op, session: context.login.session, code: code, source: context.sourceAddress) else {
                    let check = try await env.consoleService.checkSettings(tenantName: name, text: text, caller: context.principal)
                    return page(context, tenant: tenant, text: text, check: check, errors: [renderer.text("pages_settings_code_refused", lang)], status: .unauthorized)
                }
            }
            do {
                try await env.consoleService.applySettings(tenantName: name, text: text, caller: context.principal)
            } catch let e as LifelineError where e.code == .invalidRequest {
                return page(context, tenant: tenant, text: text, errors: e.message.components(separatedBy: "; "), status: .badRequest)
            }
            return ConsoleRenderer.redirect("/console/settings/" + ConsolePaths.segment(tenant.name) + "?applied=1")
        }
    }

    func page(_ context: ConsoleRequestContext, tenant: Tenant, text: String, check: SettingsCheck? = nil, errors: [String] = [],
              notice: String? = nil, status: HTTPResponse.Status = .ok) -> Response {
        let lang = context.language
        let mayApply = Authorizer().allows(context.principal, .configWrite)
        let problems = errors + (check?.problems ?? [])
        var data: [String: Any] = [
            "tenant": tenant.name, "tenant_display": tenant.displayName, "yaml": text,
            "action_base": "/console/settings/" + ConsolePaths.segment(tenant.name),
            "errors": problems, "has_errors": !problems.isEmpty,
            "notice": notice ?? "", "has_notice": notice != nil,
        ]
        if let check, check.problems.isEmpty {
            data["checked"] = true
            data["changed"] = check.changed
            data["unchanged_text"] = renderer.text("pages_settings_unchanged", lang)
            data["diff"] = check.diff.map { l -> [String: Any] in
                ["mark": l.kind == .added ? "+" : l.kind == .removed ? "−" : " ", "text": l.text, "kind": l.kind.rawValue,
                 "kind_text": renderer.text("pages_diff_\(l.kind.rawValue)", lang)]
            }
            data["may_apply"] = mayApply && check.changed
            data["needs_code"] = !context.login.session.isRecentlyReauthenticated(at: env.now)
        }
        return renderer.page("console_settings", title: renderer.text("pages_settings_title_tenant", lang, ["tenant": tenant.displayName]),
                             context: context, status: status, data: data)
    }
}
