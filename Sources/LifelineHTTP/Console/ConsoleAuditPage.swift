import Foundation
import Hummingbird
import LifelineCore

/// `/console/audit`: the audit log of the operator's organizations, filtered (time, event, actor, subject, outcome,
/// organization) and paged, with the chains' verification state and a CSV download (`/console/audit/export`).
struct ConsoleAuditPage {
    let env: ConsoleEnvironment
    var renderer: ConsoleRenderer { env.renderer }

    static let fields = ["from", "to", "event", "actor", "subject", "outcome", "tenant"]

    /// The query of the filter form. A `to` day (the date field) is taken as the whole day: its next midnight.
    static func query(_ request: Request) throws -> AuditQuery {
        var q = try AdminConsoleController.auditQuery(request)
        if let raw = request.uri.queryParameters.get("to"), raw.count == 10, let to = q.to { q.to = to.addingTimeInterval(86_400) }
        return q
    }

    /// The filter's fields as a query string (for the pager and the CSV link).
    static func queryString(_ request: Request, page: Int? = nil) -> String {
        var parts = fields.compactMap { name -> String? in
            guard let v = request.uri.queryParameters.get(name), !v.isEmpty else { return nil }
            return "\(name)=\(WebRenderer.queryEscape(String(v)))"
        }
        if let page { parts.append("page=\(page)") }
        return parts.joined(separator: "&")
    }

    func addRoutes(to group: RouterGroup<ConsoleRequestContext>) {
        group.get("/audit") { request, context in
            let lang = context.language
            let query = try Self.query(request)
            let page = try await env.consoleService.auditLog(query, caller: context.principal)
            var data: [String: Any] = [
                "events": page.events.map { e -> [String: Any] in
                    ["time": ConsoleFormat.time(e.record.time, lang), "tenant": e.record.tenant ?? "–", "actor": e.record.actor,
                     "subject": e.record.subject, "event": e.record.event, "outcome": e.record.outcome, "reason": e.record.reason,
                     "source": e.record.source]
                },
                "has_events": !page.events.isEmpty,
                "csv_href": "/console/audit/export?" + Self.queryString(request),
                "page_text": renderer.text("pages_audit_page", lang, ["page": String(page.page)]),
            ]
            for name in Self.fields { data["f_\(name)"] = request.uri.queryParameters.get(name).map { String($0) } ?? "" }
            if page.page > 1 { data["prev_href"] = "/console/audit?" + Self.queryString(request, page: page.page - 1) }
            if page.hasMore { data["next_href"] = "/console/audit?" + Self.queryString(request, page: page.page + 1) }
            switch page.chain {
            case .verified(let n):
                data["chain_text"] = renderer.text("pages_chain_verified", lang, ["count": String(n)])
                data["chain_ok"] = true
            case .broken(let chain, let seq, let reason):
                data["chain_text"] = renderer.text("pages_chain_broken", lang, ["chain": chain, "seq": String(seq), "reason": reason])
            case .unknown:
                data["chain_text"] = renderer.text("pages_chain_unknown", lang)
            }
            return renderer.page("console_audit", title: renderer.text("pages_audit_title", lang), context: context, data: data)
        }
        group.get("/audit/export") { request, context in
            AdminConsoleController.csvResponse(try await env.consoleService.auditCSV(try Self.query(request), caller: context.principal))
        }
    }
}
