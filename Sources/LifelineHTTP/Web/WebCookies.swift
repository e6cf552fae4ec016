import Foundation
import Hummingbird

/// The web app's three cookies and their attributes, in one place.
///
/// Why `__Host-` names when cookies are `Secure`: the prefix makes the browser refuse the cookie unless it was
/// set over HTTPS by this very host with `Path=/` and no `Domain`, so a sibling subdomain or a plain-http
/// attacker cannot plant a flow id or a CSRF token in the victim's browser (flow fixation, CSRF-token fixation).
/// The prefix requires `Path=/`; a narrower path would not be a security boundary anyway (every path of an
/// origin can read every other path's pages).
struct WebCookies: Sendable {
    /// False only for plain-http development (`web.secureCookies: false`): then no `Secure` and no prefix.
    let secure: Bool

    /// The flow id: the flow's bearer secret. HttpOnly (no script reads it), SameSite=Strict (never sent with
    /// a request another site starts), a session cookie (gone with the browser; the flow expires anyway).
    var flowName: String { secure ? "__Host-lifeline_flow" : "lifeline_flow" }
    /// The CSRF token of this browser (double submit, see ``CSRF``).
    var csrfName: String { secure ? "__Host-lifeline_csrf" : "lifeline_csrf" }
    /// The chosen language; not secret, kept for a year. Lax, so following a link to the app keeps it.
    let languageName = "lifeline_lang"

    func flow(_ id: String) -> Cookie {
        Cookie(name: flowName, value: id, path: "/", secure: secure, httpOnly: true, sameSite: .strict)
    }

    func clearFlow() -> Cookie {
        Cookie(name: flowName, value: "", maxAge: 0, path: "/", secure: secure, httpOnly: true, sameSite: .strict)
    }

    func csrf(_ token: String) -> Cookie {
        Cookie(name: csrfName, value: token, path: "/", secure: secure, httpOnly: true, sameSite: .strict)
    }

    /// The card serial and challenge of a deep link (`/unblock?serial=…&challenge=…`), carried through the
    /// verification. Not secret (the card tool shows both), but HttpOnly and gone after an hour. Lax: the link is
    /// opened from another app (a QR code), and the cookie must be set by that first visit.
    var unblockName: String { secure ? "__Host-lifeline_unblock" : "lifeline_unblock" }

    func unblock(_ value: String) -> Cookie {
        Cookie(name: unblockName, value: value, maxAge: 3600, path: "/", secure: secure, httpOnly: true, sameSite: .lax)
    }

    func clearUnblock() -> Cookie {
        Cookie(name: unblockName, value: "", maxAge: 0, path: "/", secure: secure, httpOnly: true, sameSite: .lax)
    }

    /// A budget pass (``FlowDocument/budgetPass``): this browser completed a recovery, so later flows for the same
    /// username spend a guessing budget of their own, which an attacker's wrong answers cannot pause. A bearer token:
    /// HttpOnly, Strict (no other site's request carries it), kept for the pass's lifetime.
    var passName: String { secure ? "__Host-lifeline_pass" : "lifeline_pass" }

    func budgetPass(_ token: String, maxAge: Int) -> Cookie {
        Cookie(name: passName, value: token, maxAge: maxAge, path: "/", secure: secure, httpOnly: true, sameSite: .strict)
    }

    func language(_ code: String) -> Cookie {
        Cookie(name: languageName, value: code, maxAge: 365 * 86_400, path: "/", secure: secure, httpOnly: true, sameSite: .lax)
    }
}
