import Foundation
import Hummingbird
import LifelineCore

/// The shell's own pages behind login: the placeholder dashboard (`/console`), logout, and re-authentication
/// (`/console/reauth?next=…`).
struct ConsoleShellPages {
    let env: ConsoleEnvironment
    var renderer: ConsoleRenderer { env.renderer }

    func addRoutes(to group: RouterGroup<ConsoleRequestContext>) {
        group.get { _, context in
            let lang = context.language
            return renderer.page("console_dashboard", title: renderer.text("shell_dashboard_title", lang), context: context, data: [
                "welcome": renderer.text("shell_dashboard_welcome", lang, ["name": context.op.name]),
            ])
        }
        group.post("/logout") { request, context in
            _ = try await env.operators.endSession(id: context.login.session.id, of: context.op, source: context.sourceAddress, reason: "logout")
            var response = ConsoleRenderer.redirect("/console/login")
            response.setCookie(env.cookies.clearSession())
            return response
        }
        group.get("/reauth") { request, context in
            reauthPage(context, next: request.uri.queryParameters.get("next").map { String($0) })
        }
        group.post("/reauth") { _, context in
            let next = ConsoleRenderer.safeNext(context.form["next"])
            let code = (context.form["code"] ?? "").replacingOccurrences(of: " ", with: "")
            if try await env.operators.reauthenticate(context.op, session: context.login.session, code: code, source: context.sourceAddress) {
                return ConsoleRenderer.redirect(next)
            }
            return reauthPage(context, next: next, error: renderer.text("shell_reauth_refused", context.language))
        }
    }

    func reauthPage(_ context: ConsoleRequestContext, next: String?, error: String? = nil) -> Response {
        renderer.page("console_reauth", title: renderer.text("shell_reauth_title", context.language), context: context,
                      status: error == nil ? .ok : .unauthorized,
                      data: ["next": ConsoleRenderer.safeNext(next), "errors": error.map { [$0] } ?? [], "has_errors": error != nil])
    }
}

/// `/console/sessions`: the operator's own live sessions (when, from where, which browser), each of which can be ended
/// — the current one too, which is logout.
struct ConsoleSessionsPage {
    let env: ConsoleEnvironment
    var renderer: ConsoleRenderer { env.renderer }

    func addRoutes(to group: RouterGroup<ConsoleRequestContext>) {
        group.get("/sessions") { _, context in
            let lang = context.language
            let rows = try await env.operators.sessions(of: context.op).map { s -> [String: Any] in
                ["id": s.id.uuidString.lowercased(), "created": ConsoleFormat.time(s.createdAt, lang), "last_seen": ConsoleFormat.time(s.lastSeenAt, lang),
                 "source": s.source.isEmpty ? "–" : s.source, "agent": s.userAgent.isEmpty ? "–" : s.userAgent,
                 "current": s.id == context.login.session.id]
            }
            return renderer.page("console_sessions", title: renderer.text("shell_sessions_title", lang), context: context, data: ["sessions": rows])
        }
        group.post("/sessions/:id/end") { _, context in
            guard let id = UUID(uuidString: try context.parameters.require("id")) else { throw LifelineError(.notFound, "no such session") }
            _ = try await env.operators.endSession(id: id, of: context.op, source: context.sourceAddress)
            if id == context.login.session.id {
                var response = ConsoleRenderer.redirect("/console/login")
                response.setCookie(env.cookies.clearSession())
                return response
            }
            return ConsoleRenderer.redirect("/console/sessions")
        }
    }
}

/// Dates on console pages: the day and minute in the page's language, UTC (a tenant time zone is H6's setting).
enum ConsoleFormat {
    static func time(_ date: Date, _ lang: String) -> String {
        var style = Date.FormatStyle(date: .abbreviated, time: .shortened)
        style.timeZone = TimeZone(identifier: "UTC")!
        style.locale = Locale(identifier: lang == "nb" ? "nb_NO" : lang == "cs" ? "cs_CZ" : "en_GB")
        return date.formatted(style) + " UTC"
    }
}
