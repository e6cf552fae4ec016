import Foundation
import Hummingbird
import LifelineCore

/// The "Lifeline Authenticator" section of a user's details page (issue 16, seed 002) and its buttons, which post to
/// `/console/users/{tenant}/{username}/authenticator`: Display UBC, Block PIN, Reset PIN with the user present (helpdesk
/// actions through ``HelpdeskService``, which decides permission, reason, caller verification and four-eyes as for the
/// admin API) and New activation (``AuthenticatorService``). A UBC and an activation are shown once, on a page of their
/// own that no cache keeps.
struct ConsoleAuthenticatorPage {
    let env: ConsoleEnvironment
    var renderer: ConsoleRenderer { env.renderer }
    var helpdesk: HelpdeskService { env.deps.helpdesk }

    /// The outcomes a redirect may name (`?a=`): only these keys are shown, never text from the URL.
    static let outcomes: Set<String> = ["blocked", "pending", "reset_open"]

    func addRoutes(to group: RouterGroup<ConsoleRequestContext>) {
        group.post("/users/:tenant/:username/authenticator") { request, context in
            let (tenant, username) = try names(context)
            do { return try await post(context, request: request, tenant: tenant, username: username) } catch let e as LifelineError {
                // The details page again, with what went wrong (and the way to the caller verification when that is it).
                let section = Self.error(e, renderer: renderer, lang: context.language)
                return try await ConsoleUserPages(env: env).detailsPage(context, tenant: tenant, username: username,
                                                                        authenticator: section, status: APIError.from(e).status)
            }
        }
    }

    /// The tenant and username the path names (path parameters arrive percent-encoded).
    func names(_ context: ConsoleRequestContext) throws -> (String, String) {
        let t = try context.parameters.require("tenant"), u = try context.parameters.require("username")
        return (t.removingPercentEncoding ?? t, u.removingPercentEncoding ?? u)
    }

    func post(_ context: ConsoleRequestContext, request: Request, tenant: String, username: String) async throws -> Response {
        let form = context.form
        let back = ConsoleUserAdminPages.userPath(tenant, username)
        let lang = context.language
        let what = form["do"] ?? ""
        // Which button first: an unknown one is a bad request, not a reason to ask for the operator's code.
        let action = HelpdeskAction(rawValue: what)
        guard what == "activation" || [.pinBlock, .ubcDisplay, .pinResetPresent].contains(action) else {
            throw LifelineError(.invalidRequest, "unknown action")
        }
        // Why re-authentication for these three: each hands over a way into the user's authenticator (a UBC sets a new
        // PIN, an activation registers a new app, an open reset lets the app set a PIN); a console left open must not be
        // enough. Blocking only takes access away, so it needs none.
        if what != HelpdeskAction.pinBlock.rawValue, let r = ConsoleReauth.required(context, env: env, next: back) { return r }
        if what == "activation" {
            let issued = try await env.deps.authenticator.issueActivation(tenantName: tenant, username: username,
                                                                          serverURL: ConsoleLinks.base(env: env, request: request), caller: context.principal)
            let qr = QRCodeSVG.svg(issued.uri, label: renderer.text("authenticator_activation_qr", lang))
            return Self.once("console_authenticator_shown", title: renderer.text("authenticator_activation_title", lang), renderer: renderer, context: context, data: [
                "back": back, "activation": true, "uri": issued.uri, "qr": qr ?? "", "has_qr": qr != nil,
                "expires": ConsoleFormat.time(issued.expiresAt, lang), "username": issued.username,
            ])
        }
        guard let action else { throw LifelineError(.invalidRequest, "unknown action") }
        switch try await helpdesk.perform(tenantName: tenant, username: username, HelpdeskRequest(action: action, reason: form["reason"] ?? ""),
                                          caller: context.principal) {
        case .pending: return ConsoleRenderer.redirect(back + "?a=pending")
        case .done(let result):
            if let ubc = result.ubc {
                return Self.once("console_authenticator_shown", title: renderer.text("authenticator_ubc_title", lang), renderer: renderer, context: context, data: [
                    "back": back, "ubc": ubc.code, "expires": ConsoleFormat.time(ubc.expiresAt, lang), "username": result.username,
                ])
            }
            return ConsoleRenderer.redirect(back + (action == .pinBlock ? "?a=blocked" : "?a=reset_open"))
        }
    }

    /// A page with a secret shown once: never kept by a cache or brought back by the Back button.
    static func once(_ template: String, title: String, renderer: ConsoleRenderer, context: ConsoleRequestContext, data: [String: Any]) -> Response {
        var response = renderer.page(template, title: title, context: context, data: data)
        response.headers[.cacheControl] = "no-store"
        return response
    }

    /// The section's message for a refusal: translated; the core's own (English) detail only where it names what to fix.
    static func error(_ e: LifelineError, renderer: ConsoleRenderer, lang: String) -> [String: Any] {
        if e.code == .invalidRequest, e.message.hasPrefix("reason") { return ["auth_error": renderer.text("helpdesk_error_reason", lang)] }
        switch e.code {
        case .forbidden where e.message.contains("verify the caller"):
            return ["auth_error": renderer.text("helpdesk_error_caller_required", lang), "auth_caller_link": true]
        case .forbidden: return ["auth_error": renderer.text("helpdesk_error_forbidden", lang)]
        case .notFound: return ["auth_error": renderer.text("helpdesk_error_missing", lang)]
        case .conflict, .actionUnavailable: return ["auth_error": renderer.text("authenticator_error_conflict", lang, ["detail": e.message])]
        default: return ["auth_error": renderer.text("helpdesk_error_invalid", lang, ["detail": e.message])]
        }
    }
}

/// The data of the details page's "Lifeline Authenticator" section (template `console_user`, `auth_*` keys).
enum ConsoleAuthenticatorSection {
    /// Nothing when the operator may not read authenticators; else the state (or `auth_unavailable` when it cannot be
    /// read now: the rest of the page still shows) and, for `authenticators.manage`, the buttons.
    static func data(env: ConsoleEnvironment, context: ConsoleRequestContext, tenant: String, username: String, outcome: String?) async -> [String: Any] {
        let principal = context.principal, lang = context.language, renderer = env.renderer
        let authorizer = Authorizer()
        guard authorizer.allows(principal, .authenticatorsRead) else { return [:] }
        var data: [String: Any] = [
            "show_authenticator": true, "auth_action": ConsoleUserAdminPages.userPath(tenant, username) + "/authenticator",
            "auth_helpdesk_href": ConsoleUserAdminPages.userPath(tenant, username) + "/helpdesk",
            "may_auth_manage": authorizer.allows(principal, .authenticatorsManage),
            "reason_min": HelpdeskReason.minLength, "reason_max": HelpdeskReason.maxLength,
        ]
        if let outcome, ConsoleAuthenticatorPage.outcomes.contains(outcome) { data["auth_info"] = renderer.text("authenticator_msg_\(outcome)", lang) }
        if let settings = try? await env.deps.helpdesk.settings(tenantName: tenant, caller: principal) {
            for a in [HelpdeskAction.pinBlock, .ubcDisplay, .pinResetPresent] {
                data["auth_caller_\(a.rawValue)"] = settings.requireCallerVerification.contains(a)
                data["auth_approval_\(a.rawValue)"] = settings.fourEyes.contains(a)
            }
        }
        guard let s = try? await env.deps.authenticator.userState(tenantName: tenant, username: username, caller: principal) else {
            data["auth_unavailable"] = true
            return data
        }
        // Why a word and a class, not colour alone: the red marks the blocked state for those who see it; the text
        // says it for everyone (WCAG 1.4.1 Use of Color).
        let state = s.devices.isEmpty ? "none" : s.pinBlocked ? "pin_blocked" : s.blocked ? "blocked" : s.devices.contains { $0.state == "active" } ? "active" : "deactivated"
        data["auth_state"] = renderer.text("authenticator_state_\(state)", lang)
        data["auth_state_class"] = s.blocked || s.pinBlocked ? "state-blocked" : "state-\(state)"
        data["auth_blocked"] = s.blocked || s.pinBlocked
        data["auth_ubc"] = renderer.text("authenticator_ubc_\(["none", "active", "blocked"].contains(s.ubcState) ? s.ubcState : "none")", lang,
                                         ["time": s.ubcExpiresAt.map { ConsoleFormat.time($0, lang) } ?? "–", "failures": String(s.ubcFailures)])
        data["auth_ubc_class"] = s.ubcState == "blocked" ? "state-blocked" : ""
        if let until = s.pinResetOpenUntil { data["auth_reset_open"] = renderer.text("authenticator_reset_open", lang, ["time": ConsoleFormat.time(until, lang)]) }
        data["auth_devices"] = s.devices.map { d -> [String: Any] in
            ["name": d.name, "model": d.model, "activated": ConsoleFormat.time(d.activatedAt, lang),
             "last_seen": d.lastSeenAt.map { ConsoleFormat.time($0, lang) } ?? "–",
             "state": renderer.text("authenticator_device_\(["active", "blocked", "deactivated"].contains(d.state) ? d.state : "deactivated")", lang),
             "state_class": d.state == "blocked" ? "state-blocked" : "state-\(d.state)", "failures": d.pinFailures]
        }
        data["auth_has_devices"] = !s.devices.isEmpty
        return data
    }
}
