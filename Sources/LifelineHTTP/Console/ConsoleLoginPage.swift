import Foundation
import HTTPTypes
import Hummingbird
import LifelineCore

/// The pages before login: `/console/login` (name, password and TOTP, always all three), `/console/enrol/<token>`
/// (a new operator's password and authenticator) and `/console/lang/<code>` (the language menu).
struct ConsoleLoginPage {
    let env: ConsoleEnvironment
    var renderer: ConsoleRenderer { env.renderer }

    func addRoutes(to group: RouterGroup<AppRequestContext>) {
        group.get("/login") { request, _ in
            loginPage(webSession(request), next: request.uri.queryParameters.get("next").map { String($0) }, name: "")
        }
        group.post("/login") { request, context in try await login(request, context) }
        group.get("/enrol/:token") { request, context in
            try await enrolPage(webSession(request), token: try context.parameters.require("token"))
        }
        group.post("/enrol/:token") { request, context in try await enrol(request, context) }
        group.get("/lang/:code") { request, context in
            let code = try context.parameters.require("code")
            var response = ConsoleRenderer.redirect(ConsoleRenderer.safeNext(request.uri.queryParameters.get("next").map { String($0) }))
            if renderer.catalog.languages.contains(code) { response.setCookie(env.cookies.web.language(code)) }
            return response
        }
    }

    func webSession(_ request: Request) -> WebSession { WebSession(request: request, cookies: env.cookies.web, catalog: renderer.catalog) }

    /// The posted form after the CSRF check (these pages are outside the session middleware, which checks the others).
    func checkedForm(_ request: Request) async throws -> [String: String] {
        let form = try await FormBody.read(request)
        guard CSRF.accepts(cookie: webSession(request).cookieCSRF, form: form[CSRF.field], fetchSite: request.headers[.secFetchSite]) else { throw WebError.csrf }
        return form
    }

    func loginPage(_ session: WebSession, next: String?, name: String, error: String? = nil, status: HTTPResponse.Status = .ok) -> Response {
        renderer.page("console_login", title: renderer.text("shell_login_title", session.language), session: session, path: "/console/login",
                      status: status, data: ["next": ConsoleRenderer.safeNext(next), "name": name,
                                             "errors": error.map { [$0] } ?? [], "has_errors": error != nil])
    }

    func login(_ request: Request, _ context: AppRequestContext) async throws -> Response {
        let form = try await checkedForm(request)
        let session = webSession(request)
        let name = form["name"]?.trimmingCharacters(in: .whitespaces) ?? ""
        do {
            let login = try await env.operators.login(name: name, password: form["password"] ?? "", code: (form["code"] ?? "").replacingOccurrences(of: " ", with: ""),
                                                      source: context.sourceAddress, userAgent: request.headers[.userAgent] ?? "")
            env.deps.metrics.recordConsoleLogin(success: true)
            var response = ConsoleRenderer.redirect(ConsoleRenderer.safeNext(form["next"]))
            // A new token at every login: a token planted before login (session fixation) is never the session.
            response.setCookie(env.cookies.session(login.token))
            return response
        } catch let e as LifelineError where e.code == .unauthorized {
            env.deps.metrics.recordConsoleLogin(success: false)
            return loginPage(session, next: form["next"], name: name, error: renderer.text("shell_login_refused", session.language), status: .unauthorized)
        }
    }

    func enrolPage(_ session: WebSession, token: String, errors: [String] = [], status: HTTPResponse.Status = .ok) async throws -> Response {
        let page = try await env.operators.enrolmentPage(token: token)
        let lang = session.language
        // Groups of four, as authenticator apps show secrets, so it can be typed by hand.
        let grouped = stride(from: 0, to: page.secretBase32.count, by: 4).map { i -> String in
            let start = page.secretBase32.index(page.secretBase32.startIndex, offsetBy: i)
            return String(page.secretBase32[start..<(page.secretBase32.index(start, offsetBy: 4, limitedBy: page.secretBase32.endIndex) ?? page.secretBase32.endIndex)])
        }.joined(separator: " ")
        let qr = QRCodeSVG.svg(page.otpauthURI, label: renderer.text("shell_enrol_qr_label", lang))
        return renderer.page("console_enrol", title: renderer.text("shell_enrol_title", lang), session: session, path: "/console/login", status: status, data: [
            "name": page.op.name, "secret": page.secretBase32, "secret_grouped": grouped, "otpauth": page.otpauthURI,
            "qr": qr ?? "", "has_qr": qr != nil,
            "action": "/console/enrol/" + token, "min": String(OperatorRules.passwordPolicy.minLength),
            "intro": renderer.text("shell_enrol_intro", lang, ["name": page.op.name]),
            "errors": errors, "has_errors": !errors.isEmpty,
        ])
    }

    func enrol(_ request: Request, _ context: AppRequestContext) async throws -> Response {
        let token = try context.parameters.require("token")
        let form = try await checkedForm(request)
        let session = webSession(request)
        let lang = session.language
        let password = form["password"] ?? ""
        guard password == (form["password2"] ?? "") else {
            return try await enrolPage(session, token: token, errors: [renderer.text("shell_enrol_mismatch", lang)], status: .badRequest)
        }
        switch try await env.operators.completeEnrolment(token: token, password: password, code: (form["code"] ?? "").replacingOccurrences(of: " ", with: ""),
                                                         source: context.sourceAddress) {
        case .enrolled:
            return renderer.page("console_message", title: renderer.text("shell_enrolled_title", lang), session: session, path: "/console/login",
                                 data: ["text": renderer.text("shell_enrolled_text", lang), "link": "/console/login",
                                        "link_text": renderer.text("shell_login_submit", lang)])
        case .passwordProblems(let problems):
            return try await enrolPage(session, token: token, errors: problems.map { renderer.catalog.text($0.id, lang, $0.args) }, status: .badRequest)
        case .wrongCode:
            return try await enrolPage(session, token: token, errors: [renderer.text("shell_enrol_wrong_code", lang)], status: .badRequest)
        }
    }
}
