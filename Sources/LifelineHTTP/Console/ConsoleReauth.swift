import Foundation
import Hummingbird
import LifelineCore

/// Re-authentication before a sensitive action: the operator types a fresh TOTP code, recorded on the session for
/// ``OperatorSession/reauthValidity`` (5 minutes).
///
/// Usage, in a page controller: `if let r = ConsoleReauth.required(context, env: env, next: "/console/…") { return r }`
/// at the top of the GET that shows the sensitive form and again in its POST. It answers nil when the session was
/// re-authenticated recently, else a 303 to `/console/reauth?next=…`, which comes back to `next` (only a path under
/// `/console`) after the code.
public enum ConsoleReauth {
    /// nil when `context`'s session re-authenticated within the last 5 minutes; else the redirect to the re-auth page.
    public static func required(_ context: ConsoleRequestContext, env: ConsoleEnvironment, next: String) -> Response? {
        if context.login.session.isRecentlyReauthenticated(at: env.now) { return nil }
        return ConsoleRenderer.redirect("/console/reauth?next=" + WebRenderer.queryEscape(ConsoleRenderer.safeNext(next)))
    }
}
