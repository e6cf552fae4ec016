import Foundation
import Hummingbird
import LifelineCore

/// `/console/operators`: the operators the role may see (`operators.read`: tenant-admin, superuser); creating one
/// (its one-time enrolment link is shown once), disabling, enabling and resetting one, for who may manage it
/// (``OperatorRules/requireMayManage(role:tenantIDs:by:)``). Creating and resetting hand out a login, so they ask for
/// re-authentication first.
struct ConsoleOperatorsPage {
    let env: ConsoleEnvironment
    var renderer: ConsoleRenderer { env.renderer }

    func addRoutes(to group: RouterGroup<ConsoleRequestContext>) {
        group.get("/operators") { _, context in try await listPage(context) }
        group.post("/operators") { request, context in
            if let r = ConsoleReauth.required(context, env: env, next: "/console/operators") { return r }
            let role = Role(rawValue: context.form["role"] ?? "") ?? .auditor
            let tenants = (context.form["tenants"] ?? "").split(separator: ",").map { String($0).trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
                + context.form.keys.filter { $0.hasPrefix("tenant_") }.map { String($0.dropFirst(7)) }.sorted()
            let created = try await env.operators.create(name: context.form["name"] ?? "", role: role, tenants: tenants, caller: context.principal)
            return linkPage(context, created: created, request: request, titleKey: "shell_operators_created_title")
        }
        group.post("/operators/:name/disable") { _, context in
            _ = try await env.operators.setDisabled(name: try context.parameters.require("name"), true, caller: context.principal)
            return ConsoleRenderer.redirect("/console/operators")
        }
        group.post("/operators/:name/enable") { _, context in
            _ = try await env.operators.setDisabled(name: try context.parameters.require("name"), false, caller: context.principal)
            return ConsoleRenderer.redirect("/console/operators")
        }
        group.post("/operators/:name/reset") { request, context in
            if let r = ConsoleReauth.required(context, env: env, next: "/console/operators") { return r }
            let created = try await env.operators.reset(name: try context.parameters.require("name"), caller: context.principal)
            return linkPage(context, created: created, request: request, titleKey: "shell_operators_reset_title")
        }
    }

    func listPage(_ context: ConsoleRequestContext) async throws -> Response {
        let lang = context.language
        let principal = context.principal
        let listing = try await env.operators.list(caller: principal)
        let manages = Authorizer().allows(principal, .operatorsManage)
        let rows = listing.map { entry -> [String: Any] in
            let op = entry.op
            let mayManage = manages && (try? OperatorRules.requireMayManage(role: op.role, tenantIDs: op.tenantIDs, by: principal)) != nil
                && (try? OperatorRules.requireNotSelf(op.name, principal)) != nil
            return ["name": op.name, "role": roleLabel(op.role, lang),
                    "tenants": op.role == .superuser ? renderer.text("shell_operators_all_tenants", lang) : entry.tenants.joined(separator: ", "),
                    "state": renderer.text("shell_state_\(op.state.rawValue)", lang), "manage": mayManage,
                    "disabled": op.state == .disabled, "self": op.name == context.op.name]
        }
        var data: [String: Any] = ["operators": rows, "may_create": manages]
        if manages {
            let own = OperatorRules.rank(of: principal)
            data["roles"] = Role.operatorRoles.filter { ($0.operatorRank ?? 99) < own || ($0 == .superuser && principal.isGlobal && own == Role.superuser.operatorRank) }
                .map { ["value": $0.rawValue, "label": roleLabel($0, lang)] }
            let tenants = try await env.deps.storage.tenants().filter { principal.mayAccess($0.id) }.sorted { $0.name < $1.name }
            // A sole organization is preselected (there is nothing to choose).
            data["tenants"] = tenants.map { ["name": $0.name, "display": $0.displayName, "checked": tenants.count == 1] }
        }
        return renderer.page("console_operators", title: renderer.text("shell_operators_title", lang), context: context, data: data)
    }

    /// The page that shows a new enrolment link once.
    func linkPage(_ context: ConsoleRequestContext, created: OperatorService.Created, request: Request, titleKey: String) -> Response {
        let lang = context.language
        let url = ConsoleLinks.base(env: env, request: request) + "/console/enrol/" + created.enrolmentToken
        return renderer.page("console_operator_link", title: renderer.text(titleKey, lang), context: context, data: [
            "url": url, "name": created.op.name,
            "text": renderer.text("shell_operators_link_text", lang, ["name": created.op.name, "time": ConsoleFormat.time(created.expiresAt, lang)]),
        ])
    }

    func roleLabel(_ role: Role, _ lang: String) -> String {
        renderer.text("shell_role_\(role.rawValue.replacingOccurrences(of: "-", with: "_"))", lang)
    }
}

/// Absolute links the console hands out (enrolment links).
enum ConsoleLinks {
    /// The server's public URL (`server.publicURL`) when configured; else the listener's scheme and the request's `Host`. Why the
    /// request's host is acceptable as a fallback: the link is shown to the operator who made the request, in their
    /// own browser, not sent anywhere; configure `server.publicURL` behind a proxy.
    static func base(env: ConsoleEnvironment, request: Request) -> String { base(deps: env.deps, request: request) }

    static func base(deps: HTTPDependencies, request: Request) -> String {
        if let url = deps.publicURL, !url.isEmpty { return url.hasSuffix("/") ? String(url.dropLast()) : url }
        let host = request.head.authority ?? "localhost"
        let safe = host.allSatisfy { $0.isLetter || $0.isNumber || "-.:[]".contains($0) } ? host : "localhost"
        // The listener's scheme, not the cookies' Secure flag: that one is on for plain-http development too.
        return deps.listenerScheme + "://" + safe
    }
}
