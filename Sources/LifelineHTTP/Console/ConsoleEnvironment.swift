import Foundation
import Hummingbird
import LifelineCore

/// What every console page controller gets: the router's dependencies (services, storage, clock), the operators'
/// service, the renderer and the cookies. One value, so that adding a page needs no new wiring.
public struct ConsoleEnvironment: Sendable {
    public let deps: HTTPDependencies
    public let operators: OperatorService
    let renderer: ConsoleRenderer
    let cookies: ConsoleCookies

    init(deps: HTTPDependencies, operators: OperatorService) {
        self.deps = deps
        self.operators = operators
        let cookies = ConsoleCookies(secure: deps.secureCookies)
        self.cookies = cookies
        self.renderer = ConsoleRenderer(catalog: deps.recovery.catalog, cookies: cookies.web)
    }

    /// The core's clock (tests set it).
    public var now: Date { deps.clock.now() }
}

/// The console's session cookie, beside the recovery pages' cookies (``WebCookies``: the CSRF and language cookies
/// are shared, so one browser has one CSRF token).
struct ConsoleCookies: Sendable {
    let secure: Bool
    var web: WebCookies { WebCookies(secure: secure) }

    /// Why `__Host-` when secure: the browser then takes the cookie only from this host over HTTPS with `Path=/`, so a
    /// sibling subdomain cannot plant a session (session fixation). HttpOnly: no script reads it. SameSite=Strict: no
    /// request another site starts carries it (a first line against CSRF; the token check is the second). No Max-Age:
    /// it ends with the browser, and the server ends it after 15 minutes idle or 8 hours anyway.
    var sessionName: String { secure ? "__Host-lifeline_console" : "lifeline_console" }

    func session(_ token: String) -> Cookie {
        Cookie(name: sessionName, value: token, path: "/", secure: secure, httpOnly: true, sameSite: .strict)
    }

    func clearSession() -> Cookie {
        Cookie(name: sessionName, value: "", maxAge: 0, path: "/", secure: secure, httpOnly: true, sameSite: .strict)
    }
}
