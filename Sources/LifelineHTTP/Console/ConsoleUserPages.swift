import Foundation
import Hummingbird
import LifelineCore

/// `/console/users?q=` (search across the operator's organizations) and `/console/users/{tenant}/{username}` (a
/// user's details, with links to the helpdesk and edit pages shown by permission).
struct ConsoleUserPages {
    let env: ConsoleEnvironment
    var renderer: ConsoleRenderer { env.renderer }

    func addRoutes(to group: RouterGroup<ConsoleRequestContext>) {
        group.get("/users") { request, context in
            let lang = context.language
            let q = request.uri.queryParameters.get("q").map { String($0) } ?? ""
            var data: [String: Any] = ["q": q, "searched": !q.isEmpty]
            if !q.isEmpty {
                do {
                    let hits = try await env.consoleService.searchUsers(q, caller: context.principal)
                    data["results"] = hits.map { h -> [String: Any] in
                        ["tenant": h.tenantName, "username": h.user.username, "display_name": h.user.displayName,
                         "status": renderer.text("pages_user_\(h.user.status.rawValue)", lang), "href": ConsolePaths.user(h.tenantName, h.user.username)]
                    }
                    data["has_results"] = !hits.isEmpty
                    data["limited"] = hits.count >= UserSearch.maxResults
                } catch let e as LifelineError where e.code == .invalidRequest {
                    // Why a page and not an error page: the operator corrects the query in the same form.
                    data["error"] = renderer.text("pages_search_invalid", lang)
                    data["has_error"] = true
                    return renderer.page("console_users", title: renderer.text("pages_search_title", lang), context: context, status: .badRequest, data: data)
                }
            }
            return renderer.page("console_users", title: renderer.text("pages_search_title", lang), context: context, data: data)
        }
        group.get("/users/:tenant/:username") { request, context in
            try await detailsPage(context, tenant: try context.parameters.require("tenant"), username: try context.parameters.require("username"),
                                  outcome: request.uri.queryParameters.get("a").map { String($0) },
                                  offline: request.uri.queryParameters.get("o").map { String($0) })
        }
    }

    /// `authenticator`: the authenticator section's message after a refused button (``ConsoleAuthenticatorPage``);
    /// `outcome`: the key of its message after a redirect (`?a=`); `offline`: the offline section's (`?o=`).
    func detailsPage(_ context: ConsoleRequestContext, tenant: String, username: String, authenticator: [String: Any] = [:], outcome: String? = nil,
                     offline: String? = nil, status: HTTPResponse.Status = .ok) async throws -> Response {
        let lang = context.language
        let d = try await env.consoleService.userDetails(tenantName: tenant, username: username, caller: context.principal)
        let authorizer = Authorizer()
        let base = ConsolePaths.user(d.tenant.name, d.user.username)
        var data: [String: Any] = [
            "tenant": d.tenant.name, "tenant_display": d.tenant.displayName, "username": d.user.username, "display_name": d.user.displayName,
            "status": renderer.text("pages_user_\(d.user.status.rawValue)", lang), "language": d.user.language,
            "created": ConsoleFormat.time(d.user.createdAt, lang),
            "contacts": d.contacts.map { c -> [String: Any] in
                ["kind": renderer.text("pages_contact_\(c.kind.rawValue)", lang), "value": c.value,
                 "verified": renderer.text(c.verified ? "pages_yes" : "pages_no", lang)]
            },
            "has_contacts": !d.contacts.isEmpty,
            // Why by permission: each link leads to actions the role may take; the pages refuse the rest anyway.
            "helpdesk_href": base + "/helpdesk", "may_helpdesk": authorizer.allows(context.principal, .tokensManage),
            "edit_href": base + "/edit", "may_edit": authorizer.allows(context.principal, .usersWrite),
        ]
        if let tokens = d.tokens {
            data["show_tokens"] = true
            // "Manage emergency access tokencodes" (seed 003): a context action of each token, for offline_codes.read.
            let mayOfflineCodes = env.deps.offlineService != nil && authorizer.allows(context.principal, .offlineCodesRead)
            data["may_offline_codes"] = mayOfflineCodes
            data["tokens"] = tokens.map { t -> [String: Any] in
                ["id": t.token.id.uuidString.lowercased(), "type": t.token.type.rawValue.uppercased(), "label": t.token.label,
                 "offline_codes_href": mayOfflineCodes ? ConsoleOfflineCodesPage.path(d.tenant.name, d.user.username, t.token.id) : "",
                 "state": renderer.text("pages_state_\(t.display.rawValue)", lang), "state_class": t.display.rawValue,
                 "fail_count": "\(t.token.failCount) / \(t.token.maxFail)", "drift": t.token.drift,
                 "last_use": t.lastUse.map { ConsoleFormat.time($0, lang) } ?? (t.token.type == .hotp ? "#\(t.token.counter)" : "–")]
            }
            data["has_tokens"] = !tokens.isEmpty
        }
        if let cards = d.cards {
            data["show_cards"] = true
            data["cards"] = cards.map { ["serial": $0.serial, "algorithm": $0.algorithm.rawValue] }
            data["has_cards"] = !cards.isEmpty
        }
        if authorizer.allows(context.principal, .emergencyCodesRead) {
            data["show_emergency"] = true
            data["emergency"] = d.emergencyCode.map { s in
                renderer.text("pages_emergency_\(s.status.rawValue)", lang, ["time": s.expiresAt.map { ConsoleFormat.time($0, lang) } ?? "–",
                                                                            "uses": s.usesLeft.map(String.init) ?? "∞"])
            } ?? renderer.text("pages_emergency_none", lang)
        }
        if authorizer.allows(context.principal, .recoveryCodesRead) {
            data["show_codes"] = true
            data["codes"] = d.recoveryCodes.map { renderer.text("pages_codes_remaining", lang, ["count": String($0.usable), "total": String($0.total)]) }
                ?? renderer.text("pages_codes_none", lang)
        }
        if let events = d.events {
            data["show_events"] = true
            data["events"] = events.map { e -> [String: Any] in
                ["time": ConsoleFormat.time(e.record.time, lang), "event": e.record.event, "outcome": e.record.outcome, "actor": e.record.actor,
                 "reason": e.record.reason]
            }
            data["has_events"] = !events.isEmpty
            data["audit_href"] = "/console/audit?tenant=\(WebRenderer.queryEscape(d.tenant.name))&subject=\(WebRenderer.queryEscape(d.user.username))"
        }
        data.merge(await ConsoleAuthenticatorSection.data(env: env, context: context, tenant: d.tenant.name, username: d.user.username, outcome: outcome)) { $1 }
        data.merge(await ConsoleOfflineSection.data(env: env, context: context, tenant: d.tenant.name, username: d.user.username, outcome: offline)) { $1 }
        data.merge(authenticator) { $1 }
        return renderer.page("console_user", title: d.user.displayName.isEmpty ? d.user.username : d.user.displayName, context: context,
                             status: status, data: data)
    }
}
