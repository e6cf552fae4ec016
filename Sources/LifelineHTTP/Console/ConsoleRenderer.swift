import Foundation
import HTTPTypes
import Hummingbird
import LifelineCore
import NIOCore

/// Renders console pages: a `console_<name>.mustache` template inside `console_layout.mustache`, with the console
/// strings (`console.*`, as `t.*` without the prefix), the language menu, the navigation the operator's role may use,
/// and the same security headers as the recovery pages (``WebRenderer/addSecurityHeaders(_:formTarget:)``).
struct ConsoleRenderer: Sendable {
    /// The recovery pages' renderer: its template library (every bundled `.mustache`, console ones included), catalog
    /// and static assets are the console's too.
    let web: WebRenderer
    /// Per language, the `console.*` strings with the prefix dropped.
    private let texts: [String: [String: String]]

    init(catalog: Catalog, cookies: WebCookies) {
        web = WebRenderer(catalog: catalog, cookies: cookies)
        let ids = catalog.ids("en").filter { $0.hasPrefix("console.") }
        var texts: [String: [String: String]] = [:]
        for lang in catalog.languages {
            texts[lang] = Dictionary(uniqueKeysWithValues: ids.map { (String($0.dropFirst(8)), catalog.text($0, lang)) })
        }
        self.texts = texts
    }

    var catalog: Catalog { web.catalog }

    /// A console string (`console.<key>`) with `{name}` arguments filled in.
    func text(_ key: String, _ lang: String, _ args: [String: String] = [:]) -> String { catalog.text("console.\(key)", lang, args) }

    /// Renders `template` for a logged-in operator: the layout shows the navigation of its role, its name and logout.
    func page(_ template: String, title: String, context: ConsoleRequestContext, status: HTTPResponse.Status = .ok,
              data: [String: Any] = [:]) -> Response {
        page(template, title: title, login: context.login, language: context.language, csrf: context.login.csrf,
             csrfIsNew: context.login.csrfIsNew, path: context.login.path, status: status, data: data)
    }

    /// Renders `template` for a page without login (login, enrolment, errors): no navigation.
    func page(_ template: String, title: String, session: WebSession, path: String, status: HTTPResponse.Status = .ok,
              data: [String: Any] = [:]) -> Response {
        page(template, title: title, login: nil, language: session.language, csrf: session.csrf, csrfIsNew: session.csrfIsNew,
             path: path, status: status, data: data)
    }

    private func page(_ template: String, title: String, login: ConsoleLogin?, language lang: String, csrf: String, csrfIsNew: Bool,
                      path: String, status: HTTPResponse.Status, data: [String: Any]) -> Response {
        let t = texts[lang] ?? texts["en"] ?? [:]
        var ctx: [String: Any] = [
            "lang": lang, "title": title, "t": t, "csrf": csrf, "csrf_field": CSRF.field,
            "css": web.assets.url("app.css"), "console_css": web.assets.url("console.css"), "js": web.assets.url("app.js"),
            "languages": catalog.languages.map { code -> [String: Any] in
                ["code": code, "name": catalog.text("web.language_name", code), "current": code == lang,
                 "href": "/console/lang/\(code)?next=\(WebRenderer.queryEscape(ConsoleRenderer.safeNext(path)))"]
            },
            "logged_in": login != nil,
        ]
        if let login {
            ctx["nav"] = ConsoleNav.items(for: login.principal, path: path, texts: t)
            ctx["operator_name"] = login.op.name
            ctx["operator_role"] = text("shell_role_\(login.op.role.rawValue.replacingOccurrences(of: "-", with: "_"))", lang)
        }
        ctx.merge(data) { _, new in new }
        guard web.problem == nil, let html = web.library.render(ctx, withTemplate: template) else {
            return Response(status: .internalServerError, headers: [.contentType: "text/plain; charset=utf-8"],
                            body: .init(byteBuffer: ByteBuffer(string: "The pages of this server are not installed correctly.")))
        }
        var response = Response(status: status, headers: [.contentType: "text/html; charset=utf-8"], body: .init(byteBuffer: ByteBuffer(string: html)))
        WebRenderer.addSecurityHeaders(&response.headers, formTarget: nil)
        if csrfIsNew { response.setCookie(web.cookies.csrf(csrf)) }
        return response
    }

    /// A 303 See Other to `location` with the page security headers (Post/Redirect/Get).
    static func redirect(_ location: String) -> Response { WebRenderer.redirect(location) }

    /// `next` when it is a normalized path of the console (`/console`, `/console?…`, `/console/…`; no scheme, no `//`,
    /// no dot segment, plain characters), else `/console`. Why: login, re-authentication and the language menu take a
    /// return path, and an open redirect would let a phishing mail use our domain to send operators elsewhere.
    static func safeNext(_ next: String?) -> String {
        guard let next, next.utf8.count <= 300,
              next == "/console" || next.hasPrefix("/console?") || next.hasPrefix("/console/"), !next.contains("//"), !next.contains("\\"),
              next.unicodeScalars.allSatisfy({ $0.isASCII && (CharacterSet.alphanumerics.contains($0) || "/?=&-_.%~+".unicodeScalars.contains($0)) })
        else { return "/console" }
        let path = next.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false)[0].lowercased()
        guard !path.contains("%2e"), !path.contains("%2f"), !path.contains("%5c"),
              !path.split(separator: "/").contains(where: { $0 == "." || $0 == ".." }) else { return "/console" }
        return next
    }
}
