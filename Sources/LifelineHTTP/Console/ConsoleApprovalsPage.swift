import Foundation
import Hummingbird
import LifelineCore

/// `/console/approvals`: the four-eyes requests of the operator's organizations (issue 15), with approve and reject for
/// an operator who holds the action's permission; one's own request can only be withdrawn. Approving asks for
/// re-authentication first (it runs the action, perhaps issuing a code).
struct ConsoleApprovalsPage {
    let env: ConsoleEnvironment
    var renderer: ConsoleRenderer { env.renderer }
    var helpdesk: HelpdeskService { env.deps.helpdesk }

    static let outcomes: Set<String> = ["approved", "rejected"]

    func addRoutes(to group: RouterGroup<ConsoleRequestContext>) {
        group.get("/approvals") { request, context in
            let m = request.uri.queryParameters.get("m").map { String($0) }.flatMap { Self.outcomes.contains($0) ? $0 : nil }
            return try await page(context, info: m.map { renderer.text("approvals_msg_\($0)", context.language) })
        }
        group.post("/approvals/:id/approve") { _, context in
            let id = try Self.id(context)
            if let r = ConsoleReauth.required(context, env: env, next: "/console/approvals") { return r }
            do {
                let result = try await helpdesk.approve(id: id, caller: context.principal)
                if let code = result.code { return ConsoleHelpdeskCode.page(code, renderer: renderer, context: context, back: "/console/approvals") }
                return ConsoleRenderer.redirect("/console/approvals?m=approved")
            } catch let e as LifelineError { return try await page(context, error: text(e, context.language), status: APIError.from(e).status) }
        }
        group.post("/approvals/:id/reject") { _, context in
            do {
                _ = try await helpdesk.reject(id: try Self.id(context), caller: context.principal)
                return ConsoleRenderer.redirect("/console/approvals?m=rejected")
            } catch let e as LifelineError { return try await page(context, error: text(e, context.language), status: APIError.from(e).status) }
        }
    }

    static func id(_ context: ConsoleRequestContext) throws -> UUID {
        guard let id = UUID(uuidString: try context.parameters.require("id")) else { throw LifelineError(.notFound, "no such approval request") }
        return id
    }

    func text(_ e: LifelineError, _ lang: String) -> String {
        switch e.code {
        case .forbidden: renderer.text("approvals_error_forbidden", lang)
        case .conflict: renderer.text("approvals_error_conflict", lang)
        case .notFound: renderer.text("helpdesk_error_missing", lang)
        default: renderer.text("helpdesk_error_invalid", lang, ["detail": e.message])
        }
    }

    func page(_ context: ConsoleRequestContext, info: String? = nil, error: String? = nil, status: HTTPResponse.Status = .ok) async throws -> Response {
        let lang = context.language
        let principal = context.principal
        let authorizer = Authorizer()
        guard HelpdeskAction.allCases.contains(where: { authorizer.allows(principal, $0.permission) }) else {
            throw LifelineError(.forbidden, "no helpdesk action for this role")
        }
        let requests = try await helpdesk.approvalRequests(caller: principal)
        let tenants = Dictionary(uniqueKeysWithValues: try await env.deps.storage.tenants().map { ($0.id, $0.name) })
        func row(_ r: ApprovalRequest) -> [String: Any] {
            let own = r.requestedBy == principal.actor
            let pending = r.status == .pending
            return ["id": r.id.uuidString.lowercased(), "tenant": tenants[r.tenantID] ?? "", "username": r.username,
                    "action": renderer.text("helpdesk_action_\(r.action.rawValue)", lang), "reason": r.reason, "requested_by": r.requestedBy,
                    "created": ConsoleFormat.time(r.createdAt, lang), "expires": ConsoleFormat.time(r.expiresAt, lang),
                    "status": renderer.text("approvals_status_\(r.status.rawValue)", lang), "decided_by": r.decidedBy ?? "",
                    "may_approve": pending && !own && authorizer.allows(principal, r.action.permission),
                    "may_reject": pending && authorizer.allows(principal, r.action.permission), "own": own]
        }
        let pending = requests.filter { $0.status == .pending }.map(row)
        let decided = requests.filter { $0.status != .pending }.prefix(20).map(row)
        var data: [String: Any] = ["pending": pending, "has_pending": !pending.isEmpty, "decided": Array(decided), "has_decided": !decided.isEmpty]
        if let info { data["info"] = info }
        if let error { data["error"] = error }
        return renderer.page("console_approvals", title: renderer.text("approvals_title", lang), context: context, status: status, data: data)
    }
}
