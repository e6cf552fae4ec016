import Foundation
import Hummingbird
import LifelineCore

/// What the web pages know about the browser of one request: its language, its CSRF token and its flow.
struct WebSession: Sendable {
    /// The page language: the language cookie when it names one of ours, else `Accept-Language`.
    var language: String
    /// The browser's CSRF token (from its cookie, or new).
    var csrf: String
    /// True when ``csrf`` is new and its cookie must be set on the response.
    var csrfIsNew: Bool
    /// The flow id from the flow cookie (any value that is not a UUID is no flow).
    var flowID: UUID?
    /// The CSRF token the browser sent in its cookie, as sent (for ``CSRF/accepts``).
    var cookieCSRF: String?
    /// The card serial of a card tool's deep link waiting in this browser (`/unblock`), for the start page to say so.
    var unblockSerial: String?

    init(request: Request, cookies: WebCookies, catalog: Catalog) {
        let jar = request.cookies
        language = WebSession.language(cookie: jar[cookies.languageName]?.value, acceptLanguage: request.headers[.acceptLanguage], catalog: catalog)
        cookieCSRF = jar[cookies.csrfName]?.value
        if let token = cookieCSRF, CSRF.isWellFormed(token) {
            csrf = token; csrfIsNew = false
        } else {
            csrf = CSRF.newToken(); csrfIsNew = true
        }
        flowID = jar[cookies.flowName].flatMap { UUID(uuidString: $0.value) }
        unblockSerial = DeepLink(cookie: jar[cookies.unblockName]?.value)?.serial
    }

    /// The cookie's language when it is one of the catalog's, else the best match of `Accept-Language`.
    static func language(cookie: String?, acceptLanguage: String?, catalog: Catalog) -> String {
        if let cookie, catalog.languages.contains(cookie) { return cookie }
        return AcceptLanguage.negotiate(acceptLanguage, catalog: catalog)
    }
}
