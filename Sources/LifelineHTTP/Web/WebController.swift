import Foundation
import HTTPTypes
import Hummingbird
import LifelineCore

/// The self-service web app: server-rendered pages over ``RecoveryService`` that work without JavaScript.
///
/// Every form posts and gets a 303 back to a page (Post/Redirect/Get), so reloading never re-submits. The flow
/// id — the flow's bearer secret — lives only in an HttpOnly cookie, never in a URL. Every post must carry the
/// browser's CSRF token; a refused post changes nothing.
struct WebController {
    let recovery: RecoveryService
    let renderer: WebRenderer
    /// The time of the core's clock (the resend countdown must agree with the core's rule).
    let now: @Sendable () -> Date

    var cookies: WebCookies { renderer.cookies }

    /// Adds the pages (behind the per-address limit and the HTML error pages) and the static assets (no limit:
    /// a page load fetches them too, and they are the same for everyone).
    func addRoutes(to router: Router<AppRequestContext>, limiter: AddressRateLimiter) {
        let assets = renderer.assets
        router.get("/static/:file") { _, context in
            guard let response = assets.response(try context.parameters.require("file")) else { throw HTTPError(.notFound) }
            return response
        }
        router.get("/") { _, _ in WebRenderer.redirect("/recover") }
        let web = router.group()
            .add(middleware: WebErrorMiddleware(renderer: renderer, recovery: recovery))
            .add(middleware: AddressRateLimitMiddleware(limiter: limiter))
        web.get("/recover") { request, _ in
            let tenant = request.uri.queryParameters.get("tenant").map { String($0) }
            return startPage(webSession(request), tenant: tenant, username: "")
        }
        web.post("/recover") { request, context in try await start(request, context) }
        web.get("/recover/flow") { request, _ in
            let session = webSession(request)
            return try await flowPage(try await recovery.document(flowID: try flowID(session), language: session.language), session)
        }
        web.post("/recover/flow") { request, context in
            var fields = try await checkedForm(request)
            fields.removeValue(forKey: CSRF.field)
            fields.removeValue(forKey: "intent") // "send again" has its own button and route
            return try await submit(fields, request, context)
        }
        web.post("/recover/flow/resend") { request, context in
            let form = try await checkedForm(request)
            var fields = ["intent": "resend"]
            for name in ["state", "step"] { fields[name] = form[name] }
            return try await submit(fields, request, context)
        }
        web.post("/recover/restart") { request, _ in
            _ = try await checkedForm(request)
            let session = webSession(request)
            var tenant: String? = nil
            if let id = session.flowID { tenant = try? await recovery.document(flowID: id).tenant }
            var response = WebRenderer.redirect("/recover" + (tenant.map { "?tenant=" + WebRenderer.queryEscape($0) } ?? ""))
            response.setCookie(cookies.clearFlow())
            return response
        }
        addActionRoutes(to: web)
        web.get("/lang/:code") { request, context in
            let code = try context.parameters.require("code")
            var response = WebRenderer.redirect(WebRenderer.safeNext(request.uri.queryParameters.get("next").map { String($0) }))
            if renderer.catalog.languages.contains(code) { response.setCookie(cookies.language(code)) }
            return response
        }
    }

    // MARK: handlers

    func webSession(_ request: Request) -> WebSession { WebSession(request: request, cookies: cookies, catalog: renderer.catalog) }

    func flowID(_ session: WebSession) throws -> UUID {
        guard let id = session.flowID else { throw LifelineError(.notFound, "no recovery flow in this browser") }
        return id
    }

    /// The posted form, after the CSRF check (which throws before anything is changed).
    func checkedForm(_ request: Request) async throws -> [String: String] {
        let form = try await FormBody.read(request)
        let session = webSession(request)
        guard CSRF.accepts(cookie: session.cookieCSRF, form: form[CSRF.field], fetchSite: request.headers[.secFetchSite]) else { throw WebError.csrf }
        return form
    }

    func start(_ request: Request, _ context: AppRequestContext) async throws -> Response {
        let form = try await checkedForm(request)
        let session = webSession(request)
        let tenant = form["tenant"]?.trimmingCharacters(in: .whitespacesAndNewlines) ?? ""
        let username = form["username"]?.trimmingCharacters(in: .whitespacesAndNewlines) ?? ""
        let lang = session.language
        guard !tenant.isEmpty, !username.isEmpty else {
            return startPage(session, tenant: tenant.isEmpty ? nil : tenant, username: username, error: renderer.text("error_required", lang), status: .badRequest)
        }
        do {
            let doc = try await recovery.createFlow(tenantName: tenant, username: username, language: lang, source: context.sourceAddress,
                                                    budgetPass: request.cookies[cookies.passName]?.value)
            var response = WebRenderer.redirect("/recover/flow")
            response.setCookie(cookies.flow(doc.id))
            return response
        } catch let e as LifelineError where e.code == .notFound {
            // The organization field again, with what was typed, to correct it.
            return startPage(session, tenant: nil, typedTenant: tenant, username: username, error: renderer.text("error_tenant_unknown", lang), status: .notFound)
        } catch let e as LifelineError where e.code == .invalidRequest {
            return startPage(session, tenant: tenant, username: username, error: renderer.text("error_username_invalid", lang), status: .badRequest)
        }
    }

    func submit(_ fields: [String: String], _ request: Request, _ context: AppRequestContext) async throws -> Response {
        let session = webSession(request)
        let id = try flowID(session)
        do {
            let doc = try await recovery.submit(flowID: id, fields: fields, language: session.language, source: context.sourceAddress)
            var response: Response
            if let verified = try await afterVerification(doc, request: request, context: context, session: session) {
                response = verified
            } else if Self.refusedOnSameStep(doc, posted: fields) {
                // A wrong answer on the same step: the page again at once, with the choice and the typed number or
                // address kept and the focus on the field the error is about (a redirect would lose what was typed).
                response = try await flowPage(doc, session, values: fields)
            } else {
                response = WebRenderer.redirect("/recover/flow")
            }
            if let pass = doc.budgetPass { response.setCookie(cookies.budgetPass(pass, maxAge: recovery.budget.passLifetime)) }
            return response
        } catch let e as LifelineError where e.code == .invalidRequest || e.code == .conflict {
            // The step again, with what went wrong; nothing was changed.
            let doc = try await recovery.document(flowID: id, language: session.language)
            let lang = session.language
            if e.code == .conflict {
                return try await flowPage(doc, session, status: .conflict, errors: [renderer.text("error_conflict", lang)], errorsAreAboutFields: false)
            }
            // Name what is missing: "choose one of the options under …" for a choice, "fill in …" for a field.
            let missing = doc.fields.filter { $0.required && (fields[$0.name] ?? "").trimmingCharacters(in: .whitespaces).isEmpty }
            let errors = missing.isEmpty ? [renderer.text(doc.fields.isEmpty ? "error_invalid" : "error_required", lang)]
                : missing.map { renderer.text($0.type == "radio" ? "error_choose" : "error_missing", lang, ["field": $0.label.text]) }
            return try await flowPage(doc, session, status: .badRequest, errors: errors, values: fields, invalidField: missing.first?.name)
        }
    }

    /// True when a submission was answered on the same step with an error (a wrong number, a wrong code): the
    /// flow neither moved on nor ended.
    static func refusedOnSameStep(_ doc: FlowDocument, posted: [String: String]) -> Bool {
        guard !doc.fields.isEmpty, doc.messages.contains(where: { $0.type == "error" }), posted["state"] == doc.state else { return false }
        return posted["step"] == doc.step.map { String($0.index) }
    }

    // MARK: pages

    /// The start page; `tenant` (from the link) is a hidden field, `typedTenant` fills the visible field.
    func startPage(_ session: WebSession, tenant: String?, typedTenant: String = "", username: String, error: String? = nil,
                   status: HTTPResponse.Status = .ok) -> Response {
        let tenant = tenant.flatMap { $0.isEmpty ? nil : $0 }
        let lang = session.language
        return renderer.page("start", title: renderer.text("start_title", lang), session: session,
                             next: "/recover" + (tenant.map { "?tenant=" + WebRenderer.queryEscape($0) } ?? ""), status: status, context: [
                                 "tenant": tenant ?? typedTenant, "has_tenant": tenant != nil, "username": username,
                                 "tenant_text": tenant.map { renderer.text("organization", lang, ["tenant": $0]) } ?? "",
                                 "errors": error.map { [$0] } ?? [], "has_errors": error != nil,
                                 // A card tool's deep link is waiting: say so, so the user knows why they are here.
                                 "infos": session.unblockSerial.map { [renderer.text("unblock_waiting", lang, ["serial": $0])] } ?? [],
                                 "has_infos": session.unblockSerial != nil,
                             ])
    }

    func flowPage(_ doc: FlowDocument, _ session: WebSession, status: HTTPResponse.Status = .ok, errors: [String] = [],
                  values: [String: String] = [:], invalidField: String? = nil, errorsAreAboutFields: Bool = true) async throws -> Response {
        guard doc.state != "expired" else { throw LifelineError(.expired, "this recovery flow has expired") }
        var view = FlowView(doc: doc, lang: session.language, renderer: renderer, now: now())
        view.extraErrors = errors
        view.values = values
        view.invalidField = invalidField
        view.errorsAreAboutFields = errorsAreAboutFields
        view.pageActions = recovery.actions.formActionIDs
        let target = doc.state == "verified" ? await selfserviceOrigin(tenant: doc.tenant) : nil
        return renderer.page("flow", title: view.title, session: session, next: "/recover/flow", status: status, context: view.context, formTarget: target)
    }

    /// The page for an address nobody serves, for a browser (`Accept: text/html`, outside `/api`): friendly, in the
    /// user's language, with the pages' security headers. API clients keep their JSON 404 (``ErrorMiddleware``).
    func notFoundPage(_ request: Request) -> Response? {
        guard request.uri.path != "/api", !request.uri.path.hasPrefix("/api/"),
              request.headers[.accept]?.lowercased().contains("text/html") == true else { return nil }
        let session = webSession(request)
        let lang = session.language
        return renderer.page("message", title: renderer.text("notfound_title", lang), session: session, status: .notFound, context: [
            "text": renderer.text("notfound_text", lang), "link": "/recover", "link_text": renderer.text("restart", lang),
        ])
    }

    /// The origin of the tenant's self-service URL, so the actions page's CSP lets the `selfservice` form follow
    /// its redirect there (`form-action` also governs redirects after a form post) — and nowhere else.
    func selfserviceOrigin(tenant: String) async -> String? {
        guard let config = try? await recovery.recoveryConfig(tenantName: tenant),
              let url = config.selfserviceURL.flatMap(URL.init(string:)), let scheme = url.scheme?.lowercased(),
              scheme == "https" || scheme == "http", let host = url.host, host.allSatisfy({ $0.isLetter || $0.isNumber || "-.[]:".contains($0) })
        else { return nil }
        return "\(scheme)://\(host)" + (url.port.map { ":\($0)" } ?? "")
    }
}

extension WebController {
    /// The web app over the router's dependencies. `now` must be the core's clock (tests set it).
    init(_ deps: HTTPDependencies, now: @escaping @Sendable () -> Date = { Date() }) {
        let cookies = WebCookies(secure: deps.secureCookies)
        self.init(recovery: deps.recovery, renderer: WebRenderer(catalog: deps.recovery.catalog, cookies: cookies), now: now)
    }
}

extension HTTPField.Name {
    static let secFetchSite = HTTPField.Name("Sec-Fetch-Site")!
}
