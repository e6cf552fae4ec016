import Foundation
import HTTPTypes
import Hummingbird
import LifelineCore

/// The gate of every console page but login and enrolment: finds the operator's session from its cookie (no session,
/// or one that is over → 303 to `/console/login`), checks the CSRF token of every POST (a refusal is
/// ``WebError/csrf``, which ``ConsoleErrorMiddleware`` shows as a friendly 403 page), and hands the login on in the
/// context (``ConsoleRequestContext``).
struct ConsoleSessionMiddleware: RouterMiddleware {
    typealias Context = AppRequestContext
    let env: ConsoleEnvironment

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let web = WebSession(request: request, cookies: env.cookies.web, catalog: env.renderer.catalog)
        let path = request.uri.path + (request.uri.query.map { "?" + $0 } ?? "")
        guard let token = request.cookies[env.cookies.sessionName]?.value, let (op, session) = try await env.operators.session(token: token) else {
            // A GET comes back to the page after login; a POST's form is gone anyway, so back to its page's GET is no use.
            let back = request.method == .get ? "?next=" + WebRenderer.queryEscape(ConsoleRenderer.safeNext(path)) : ""
            var response = ConsoleRenderer.redirect("/console/login" + back)
            if request.cookies[env.cookies.sessionName] != nil { response.setCookie(env.cookies.clearSession()) }
            return response
        }
        var request = request
        var form: [String: String] = [:]
        if request.method == .post {
            // Collected into the request itself, so that the handler may read the body again (it is kept in memory).
            form = FormBody.parse(String(buffer: try await request.readBody(upTo: FormBody.limit)))
            // Why on every POST, before the handler: a page cannot forget it. Double submit (``CSRF``): another site can
            // make the browser post, but cannot read the cookie or the page to put the right token in the body.
            guard CSRF.accepts(cookie: web.cookieCSRF, form: form[CSRF.field], fetchSite: request.headers[.secFetchSite]) else { throw WebError.csrf }
            form.removeValue(forKey: CSRF.field)
        }
        var context = context
        context.console = ConsoleLogin(op: op, session: session, principal: op.principal(source: context.sourceAddress), language: web.language,
                                       csrf: web.csrf, csrfIsNew: web.csrfIsNew, form: form, path: path)
        return try await next(request, context)
    }
}
