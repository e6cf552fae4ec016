import Foundation
import Hummingbird
import LifelineCore

/// `/console/users/{tenant}/{username}/helpdesk`: the helpdesk actions on one user (issue 15) — each form with its
/// reason field —, the caller-verification box, and the helpdesk emergency code (shown once when the tenant's
/// delivery is `show`; issuing it asks for re-authentication first). Every action goes through ``HelpdeskService``,
/// which decides permissions, caller verification and four-eyes exactly as for the admin API.
struct ConsoleHelpdeskPage {
    let env: ConsoleEnvironment
    var renderer: ConsoleRenderer { env.renderer }
    var helpdesk: HelpdeskService { env.deps.helpdesk }

    /// The outcomes a redirect may name (`?m=`): only these keys are shown, never text from the URL.
    static let outcomes: Set<String> = ["done", "pending", "caller_sent", "caller_verified"]

    func addRoutes(to group: RouterGroup<ConsoleRequestContext>) {
        group.get("/users/:tenant/:username/helpdesk") { request, context in
            let m = request.uri.queryParameters.get("m").map { String($0) }.flatMap { Self.outcomes.contains($0) ? $0 : nil }
            return try await page(context, info: m.map { renderer.text("helpdesk_msg_\($0)", context.language) })
        }
        group.post("/users/:tenant/:username/helpdesk") { _, context in
            do { return try await post(context) } catch let e as LifelineError {
                return try await page(context, error: errorText(e, context), status: APIError.from(e).status)
            }
        }
    }

    func names(_ context: ConsoleRequestContext) throws -> (String, String) {
        (try context.parameters.require("tenant"), try context.parameters.require("username"))
    }

    /// The page's own path (for redirects and re-authentication), its segments percent-encoded.
    func path(_ tenant: String, _ username: String) -> String {
        var allowed = CharacterSet.urlPathAllowed
        allowed.remove("/")
        func seg(_ s: String) -> String { s.addingPercentEncoding(withAllowedCharacters: allowed) ?? "" }
        return "/console/users/\(seg(tenant))/\(seg(username))/helpdesk"
    }

    func post(_ context: ConsoleRequestContext) async throws -> Response {
        let (tenant, username) = try names(context)
        let form = context.form
        let back = path(tenant, username)
        switch form["do"] ?? "" {
        case "caller_send":
            _ = try await helpdesk.sendCallerCode(tenantName: tenant, username: username, contactID: form["contact_id"].flatMap(UUID.init(uuidString:)),
                                                  caller: context.principal)
            return ConsoleRenderer.redirect(back + "?m=caller_sent")
        case "token_lost":
            return try await ConsoleLostToken.post(context, env: env, tenant: tenant, username: username, back: back)
        case "caller_check":
            switch try await helpdesk.checkCallerCode(tenantName: tenant, username: username, code: form["code"] ?? "", caller: context.principal) {
            case .verified: return ConsoleRenderer.redirect(back + "?m=caller_verified")
            case .wrong(let left):
                return try await page(context, error: renderer.text("helpdesk_error_caller_wrong", context.language, ["left": String(left)]), status: .badRequest)
            case .refused:
                return try await page(context, error: renderer.text("helpdesk_error_caller_refused", context.language), status: .conflict)
            }
        default:
            guard let action = HelpdeskAction(rawValue: form["do"] ?? "") else { throw LifelineError(.invalidRequest, "unknown action") }
            // Why re-authentication: a helpdesk code is a credential; a session left open must not mint one.
            if action == .helpdeskCode, let r = ConsoleReauth.required(context, env: env, next: back) { return r }
            let request = HelpdeskRequest(action: action, reason: form["reason"] ?? "", tokenID: form["token_id"].flatMap(UUID.init(uuidString:)),
                                          code1: form["code1"], code2: form["code2"], uses: form["uses"].flatMap { Int($0) },
                                          lifetimeMinutes: form["lifetime_minutes"].flatMap { Int($0) },
                                          contactID: form["contact_id"].flatMap(UUID.init(uuidString:)))
            switch try await helpdesk.perform(tenantName: tenant, username: username, request, caller: context.principal) {
            case .pending: return ConsoleRenderer.redirect(back + "?m=pending")
            case .done(let result):
                if let code = result.code { return ConsoleHelpdeskCode.page(code, renderer: renderer, context: context, back: back) }
                return ConsoleRenderer.redirect(back + "?m=done")
            }
        }
    }

    /// A translated text for a refusal; the core's own (English) detail only where it names what to fix.
    func errorText(_ e: LifelineError, _ context: ConsoleRequestContext) -> String {
        let lang = context.language
        if e.code == .invalidRequest, e.message.hasPrefix("reason") { return renderer.text("helpdesk_error_reason", lang) }
        switch e.code {
        case .forbidden where e.message.contains("verify the caller"): return renderer.text("helpdesk_error_caller_required", lang)
        case .forbidden: return renderer.text("helpdesk_error_forbidden", lang)
        case .resyncFailed: return renderer.text("helpdesk_error_resync", lang)
        case .rateLimited: return renderer.text("helpdesk_error_rate", lang)
        case .conflict: return renderer.text("helpdesk_error_conflict", lang)
        case .notFound: return renderer.text("helpdesk_error_missing", lang)
        default: return renderer.text("helpdesk_error_invalid", lang, ["detail": e.message])
        }
    }

    func page(_ context: ConsoleRequestContext, info: String? = nil, error: String? = nil, status: HTTPResponse.Status = .ok) async throws -> Response {
        let (tenantName, username) = try names(context)
        let lang = context.language
        let principal = context.principal
        let admin = env.deps.admin
        let authorizer = Authorizer()
        let (tenant, user) = try await admin.user(tenantName: tenantName, username: username, caller: principal)
        // Why refuse the page: a role that may do no helpdesk action (the auditor) has nothing to do here.
        guard HelpdeskAction.allCases.contains(where: { authorizer.allows(principal, $0.permission) }) else {
            throw LifelineError(.forbidden, "no helpdesk action for this role")
        }
        let settings = try await helpdesk.settings(tenantName: tenant.name, caller: principal)
        let may = { (a: HelpdeskAction) in authorizer.allows(principal, a.permission) }
        func hints(_ a: HelpdeskAction) -> [String: Any] {
            ["needs_caller": settings.requireCallerVerification.contains(a), "needs_approval": settings.fourEyes.contains(a)]
        }
        let contacts = try await admin.contacts(tenantName: tenant.name, username: user.username, caller: principal).filter(\.verified)
        let tokens = try await admin.listTokens(tenantName: tenant.name, username: user.username, caller: principal).1
        let lost = await ConsoleLostToken.states(context, env: env, userID: user.id)
        let mayLost = authorizer.allows(principal, .tokensLost)
        let code = try? await admin.emergencyCode(tenantName: tenant.name, username: user.username, caller: principal).1
        let budgets = (try? await admin.guessBudgets(tenantName: tenant.name, username: user.username, caller: principal)) ?? []
        let now = env.now
        let paused = budgets.contains { ($0.pausedUntil ?? .distantPast) > now }
        var data: [String: Any] = [
            "tenant": tenant.name, "tenant_display": tenant.displayName, "username": user.username, "display_name": user.displayName,
            "action": path(tenant.name, user.username),
            "contacts": contacts.map { ["id": $0.id.uuidString.lowercased(), "label": CallerVerification.mask($0),
                                        "kind": renderer.text("helpdesk_contact_\($0.kind.rawValue)", lang)] },
            "has_contacts": !contacts.isEmpty,
            "tokens": tokens.map { t -> [String: Any] in
                ["id": t.id.uuidString.lowercased(), "label": t.label.isEmpty ? t.type.rawValue.uppercased() : t.label,
                 "state": renderer.text("helpdesk_state_\(t.state.rawValue)", lang), "fail_count": t.failCount,
                 "disabled": t.state == .disabled, "is_lost": lost[t.id] != nil, "lost_until": lost[t.id] ?? "", "may_lost": mayLost && t.state != .disabled]
            },
            "has_tokens": !tokens.isEmpty, "may_tokens": may(.tokenReset),
            "token_hints": hints(.tokenReset).merging(["needs_caller_any": [.tokenReset, .tokenResync, .tokenDisable, .tokenEnable]
                .contains { settings.requireCallerVerification.contains($0) }]) { $1 },
            "code_state": code.map { renderer.text("helpdesk_code_state_\($0.status.rawValue)", lang) } ?? renderer.text("helpdesk_code_state_none", lang),
            "code_revocable": code?.status == .active, "may_revoke": may(.emergencyCodeRevoke), "revoke_hints": hints(.emergencyCodeRevoke),
            "budget_state": renderer.text(paused ? "helpdesk_budget_paused" : "helpdesk_budget_clear", lang),
            "may_lift": may(.budgetLift), "lift_hints": hints(.budgetLift),
            "may_code": may(.helpdeskCode), "code_hints": hints(.helpdeskCode),
            "code_max_uses": settings.emergencyCode.maxUses, "code_max_minutes": settings.emergencyCode.maxLifetimeHours * 60,
            "code_send": settings.emergencyCode.delivery == .send,
            "code_limits": renderer.text("helpdesk_code_limits", lang, ["uses": String(settings.emergencyCode.maxUses),
                                                                         "hours": String(settings.emergencyCode.maxLifetimeHours)]),
            "may_verify": authorizer.allows(principal, .callersVerify),
            "reason_min": HelpdeskReason.minLength, "reason_max": HelpdeskReason.maxLength,
        ]
        if let v = try? await helpdesk.callerVerification(tenantName: tenant.name, username: user.username, caller: principal) {
            if v.isVerified(at: now) {
                data["caller_state"] = renderer.text("helpdesk_caller_verified", lang, ["time": ConsoleFormat.time(v.verifiedUntil ?? now, lang)])
                data["caller_verified"] = true
            } else if v.verifiedUntil == nil, v.expiresAt > now, v.attempts < CallerVerification.maxAttempts {
                data["caller_state"] = renderer.text("helpdesk_caller_pending", lang, ["contact": v.maskedRecipient])
                data["caller_pending"] = true
            }
        }
        if data["caller_state"] == nil { data["caller_state"] = renderer.text("helpdesk_caller_none", lang) }
        if let info { data["info"] = info }
        if let error { data["error"] = error }
        return renderer.page("console_helpdesk", title: renderer.text("helpdesk_title", lang, ["user": user.displayName]), context: context,
                             status: status, data: data)
    }
}

/// The page that shows a helpdesk code once (delivery `show`), or says where it was sent (delivery `send`).
enum ConsoleHelpdeskCode {
    static func page(_ code: IssuedHelpdeskCode, renderer: ConsoleRenderer, context: ConsoleRequestContext, back: String) -> Response {
        let lang = context.language
        var data: [String: Any] = ["back": back, "uses": code.maxUses ?? 1,
                                   "expires": code.expiresAt.map { ConsoleFormat.time($0, lang) } ?? ""]
        if let shown = code.code { data["code"] = shown } else { data["sent_to"] = code.sentTo ?? "" }
        var response = renderer.page("console_helpdesk_code", title: renderer.text("helpdesk_code_title", lang), context: context, data: data)
        // Why no-store: the code is shown once; no cache or Back button must bring it back.
        response.headers[.cacheControl] = "no-store"
        return response
    }
}
