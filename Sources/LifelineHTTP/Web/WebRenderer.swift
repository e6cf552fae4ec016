import Foundation
import HTTPTypes
import Hummingbird
import LifelineCore
import Mustache
import NIOCore

/// Renders the web pages: the bundled Mustache templates, the translated web strings of every language, the
/// layout context (language menu, assets) and the security headers of every page.
struct WebRenderer: Sendable {
    let library: MustacheLibrary
    let catalog: Catalog
    let assets: StaticAssets
    let cookies: WebCookies
    /// Per language, the `web.*` strings with the prefix dropped (`web.skip` → `t.skip` in templates).
    private let texts: [String: [String: String]]

    /// Set when the bundled templates could not be loaded (a packaging bug, caught by the tests): every page
    /// is then a plain 500 instead of a crash at start.
    let problem: String?

    /// Loads the templates of the bundled `Templates` folder.
    init(catalog: Catalog, cookies: WebCookies) {
        var library = MustacheLibrary()
        var problem: String? = nil
        // Registered before any template is parsed: the parser looks the pragma's name up.
        MustacheContentTypes.register(ScalarHTMLContentType(), named: ScalarHTMLContentType.name)
        do {
            guard let dir = WebResources.url("Templates") else { throw LifelineError(.configuration, "the web templates are missing") }
            for file in try FileManager.default.contentsOfDirectory(atPath: dir.path) where file.hasSuffix(".mustache") {
                let text = try String(contentsOf: dir.appendingPathComponent(file), encoding: .utf8)
                // Why refuse: a template without the pragma would fall back to swift-mustache's per-Character
                // escaping, which a combining mark defeats (see HTMLEscaping).
                guard text.hasPrefix(ScalarHTMLContentType.pragma) else {
                    throw LifelineError(.configuration, "the web template \(file) does not start with \(ScalarHTMLContentType.pragma)")
                }
                try library.register(text, named: String(file.dropLast(".mustache".count)))
            }
        } catch {
            problem = "the web templates could not be loaded: \(error)"
        }
        self.problem = problem
        self.library = library
        self.catalog = catalog
        self.cookies = cookies
        self.assets = StaticAssets()
        let webIDs = catalog.ids("en").filter { $0.hasPrefix("web.") }
        var texts: [String: [String: String]] = [:]
        for lang in catalog.languages {
            texts[lang] = Dictionary(uniqueKeysWithValues: webIDs.map { (String($0.dropFirst(4)), catalog.text($0, lang)) })
        }
        self.texts = texts
    }

    /// A web string with `{name}` arguments filled in.
    func text(_ key: String, _ lang: String, _ args: [String: String] = [:]) -> String { catalog.text("web.\(key)", lang, args) }

    /// The plural web string `key` for `count` (``Catalog/plural(_:_:count:_:)``), with `{name}` arguments filled in.
    func plural(_ key: String, _ lang: String, count: Int, _ args: [String: String] = [:]) -> String {
        catalog.plural("web.\(key)", lang, count: count, args)
    }

    /// Renders `template` inside the layout and returns the page with its cookies and security headers.
    /// - Parameters:
    ///   - next: the page the language menu returns to (a `/recover…` path).
    ///   - formTarget: an extra origin forms of this page may post to (redirect) — the self-service site.
    func page(_ template: String, title: String, session: WebSession, next: String = "/recover",
              status: HTTPResponse.Status = .ok, context: [String: Any] = [:], formTarget: String? = nil) -> Response {
        let lang = session.language
        var ctx: [String: Any] = [
            "lang": lang, "title": title, "t": texts[lang] ?? texts["en"] ?? [:], "csrf": session.csrf, "csrf_field": CSRF.field,
            "css": assets.url("app.css"), "js": assets.url("app.js"),
            "languages": catalog.languages.map { code -> [String: Any] in
                ["code": code, "name": catalog.text("web.language_name", code), "current": code == lang,
                 "href": "/lang/\(code)?next=\(Self.queryEscape(next))"]
            },
        ]
        ctx.merge(context) { _, new in new }
        guard problem == nil, let html = library.render(ctx, withTemplate: template) else {
            return Response(status: .internalServerError, headers: [.contentType: "text/plain; charset=utf-8"],
                            body: .init(byteBuffer: ByteBuffer(string: "The pages of this server are not installed correctly.")))
        }
        var response = Response(status: status, headers: [.contentType: "text/html; charset=utf-8"], body: .init(byteBuffer: ByteBuffer(string: html)))
        Self.addSecurityHeaders(&response.headers, formTarget: formTarget)
        if session.csrfIsNew { response.setCookie(cookies.csrf(session.csrf)) }
        return response
    }

    /// A 303 See Other to `location` (Post/Redirect/Get), with the page security headers.
    static func redirect(_ location: String) -> Response {
        var response = Response(status: .seeOther, headers: [.location: location])
        addSecurityHeaders(&response.headers, formTarget: nil)
        return response
    }

    /// The headers of every web response.
    /// Why this CSP: no inline script or style and nothing from another origin, so injected markup cannot run;
    /// forms post only to us (plus the self-service site a verified user is sent to); `frame-ancestors 'none'`
    /// stops clickjacking; `base-uri 'none'` stops a planted `<base>` from redirecting relative URLs.
    static func addSecurityHeaders(_ headers: inout HTTPFields, formTarget: String?) {
        let formAction = "'self'" + (formTarget.map { " \($0)" } ?? "")
        headers[.contentSecurityPolicy] = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; "
            + "form-action \(formAction); frame-ancestors 'none'; base-uri 'none'"
        // Why: pages show masked contacts and hold CSRF tokens; neither belongs in a shared cache or the back/forward cache of a shared computer.
        if headers[.cacheControl] == nil { headers[.cacheControl] = "no-store" }
        headers[.init("Referrer-Policy")!] = "no-referrer"
        headers[.init("X-Frame-Options")!] = "DENY"
        headers[.init("X-Content-Type-Options")!] = "nosniff"
        headers[.init("Cross-Origin-Opener-Policy")!] = "same-origin"
    }

    /// Percent-escapes a value for a query string (everything but unreserved characters and `/`).
    static func queryEscape(_ s: String) -> String {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~/")
        return s.addingPercentEncoding(withAllowedCharacters: allowed) ?? ""
    }

    /// `next` when it is a normalized path of the web app (`/recover`, `/recover?…` or `/recover/…`; no scheme,
    /// no `//`, no dot segment, plain characters), else `/recover`. Why: the language links take a return path,
    /// and an open redirect would let a phishing mail use our domain to send people elsewhere; a dot segment
    /// (`/recover/../../x`, also percent-encoded) would leave the web app once a browser or proxy normalizes it.
    static func safeNext(_ next: String?) -> String {
        guard let next, next.utf8.count <= 200,
              next == "/recover" || next.hasPrefix("/recover?") || next.hasPrefix("/recover/"), !next.contains("//"),
              next.unicodeScalars.allSatisfy({ $0.isASCII && (CharacterSet.alphanumerics.contains($0) || "/?=&-_.%~".unicodeScalars.contains($0)) })
        else { return "/recover" }
        let path = next.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false)[0].lowercased()
        // Encoded dots, slashes and backslashes have no place in our own paths.
        guard !path.contains("%2e"), !path.contains("%2f"), !path.contains("%5c"),
              !path.split(separator: "/").contains(where: { $0 == "." || $0 == ".." }) else { return "/recover" }
        return next
    }
}
