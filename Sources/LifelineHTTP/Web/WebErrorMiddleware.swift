import Foundation
import HTTPTypes
import Hummingbird
import LifelineCore
import Logging

/// Refusals of the web layer itself.
enum WebError: Error {
    /// A form post without the browser's CSRF token (or from another site).
    case csrf
}

/// Turns every error of a web route into a friendly, translated HTML page (never JSON): unknown flow → "start
/// again" (404), expired → 410, too many requests → 429 with `Retry-After`, CSRF → 403. Outermost in the web
/// group, so the rate limiter's refusals are pages too.
struct WebErrorMiddleware: RouterMiddleware {
    typealias Context = AppRequestContext
    let renderer: WebRenderer
    /// For the organization's time zone in "try again after" (the flow's tenant, when this browser has a flow).
    var recovery: RecoveryService? = nil

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch {
            return await page(for: error, request: request, context: context)
        }
    }

    func page(for error: any Error, request: Request, context: Context) async -> Response {
        let session = WebSession(request: request, cookies: renderer.cookies, catalog: renderer.catalog)
        let lang = session.language
        func message(_ key: String, _ status: HTTPResponse.Status, text: String? = nil, link: String = "/recover",
                     linkKey: String = "restart", clearFlow: Bool = false) -> Response {
            var response = renderer.page("message", title: renderer.text("\(key)_title", lang), session: session, status: status, context: [
                "text": text ?? renderer.text("\(key)_text", lang), "link": link, "link_text": renderer.text(linkKey, lang),
            ])
            if clearFlow { response.setCookie(renderer.cookies.clearFlow()) }
            return response
        }
        if case WebError.csrf = error {
            return message("csrf", .forbidden, link: session.flowID == nil ? "/recover" : "/recover/flow", linkKey: "back")
        }
        if let e = error as? LifelineError {
            switch e.code {
            case .notFound: return message("missing", .notFound, clearFlow: true)
            case .expired: return message("expired", .gone, clearFlow: true)
            case .actionUnavailable: return message("unavailable", .conflict, link: "/recover/flow", linkKey: "back")
            case .rateLimited:
                let wait = max(1, e.retryAfter ?? 60)
                // Waits of an hour or more (a paused guessing budget) name the time, which minutes would hide.
                let minutes = (wait + 59) / 60
                var config: RecoveryConfig? = nil
                if wait >= 3600, let recovery, let id = session.flowID, let doc = try? await recovery.document(flowID: id) {
                    config = try? await recovery.recoveryConfig(tenantName: doc.tenant)
                }
                let text = wait < 120 ? renderer.plural("rate_text_seconds", lang, count: wait, ["seconds": String(wait)])
                    : wait < 3600 ? renderer.plural("rate_text_minutes", lang, count: minutes, ["minutes": String(minutes)])
                    : renderer.text("rate_text_until", lang, ["time": TimeText.format(Date().addingTimeInterval(Double(wait)), config: config, language: lang)])
                var response = message("rate", .tooManyRequests, text: text, link: session.flowID == nil ? "/recover" : "/recover/flow", linkKey: "back")
                response.headers[.retryAfter] = String(wait)
                return response
            case .unavailable where e.retryAfter != nil:
                // A busy slow-hash pool: the user may simply try again in a few seconds, so say so (no failure page).
                let wait = max(1, e.retryAfter ?? 5)
                var response = message("rate", .serviceUnavailable, text: renderer.plural("rate_text_seconds", lang, count: wait, ["seconds": String(wait)]),
                                       link: session.flowID == nil ? "/recover" : "/recover/flow", linkKey: "back")
                response.headers[.retryAfter] = String(wait)
                return response
            default: break
            }
        }
        let status = APIError.from(error).status
        if status.code < 500 { return message("invalid", status, linkKey: "back") }
        // Logged with its type only: an error's text may contain values from the request.
        context.logger.error("web request failed", metadata: ["error_type": "\(type(of: error))", "path": "\(LogRedaction.path(request.uri.path))", "request_id": "\(context.id)"])
        return message("failure", status)
    }
}
