import Foundation
import HTTPTypes
import Hummingbird
import LifelineCore
import Logging

/// Turns every error of a console route into a friendly, translated HTML page (never JSON): a refused CSRF token →
/// 403, a permission the role lacks → 403, not found → 404, bad input → 400, too many requests → 429; anything else
/// → 500 with a line in the log (its type only: an error's text may hold request values).
struct ConsoleErrorMiddleware: RouterMiddleware {
    typealias Context = AppRequestContext
    let env: ConsoleEnvironment

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch {
            return page(for: error, request: request, context: context)
        }
    }

    func page(for error: any Error, request: Request, context: Context) -> Response {
        let session = WebSession(request: request, cookies: env.cookies.web, catalog: env.renderer.catalog)
        let lang = session.language
        func message(_ key: String, _ status: HTTPResponse.Status) -> Response {
            env.renderer.page("console_message", title: env.renderer.text("shell_\(key)_title", lang), session: session, path: request.uri.path,
                              status: status, data: ["text": env.renderer.text("shell_\(key)_text", lang), "link": "/console",
                                                     "link_text": env.renderer.text("shell_back", lang)])
        }
        if case WebError.csrf = error { return message("csrf", .forbidden) }
        if let e = error as? LifelineError {
            switch e.code {
            case .forbidden: return message("forbidden", .forbidden)
            case .notFound: return message("missing", .notFound)
            case .unauthorized: return ConsoleRenderer.redirect("/console/login")
            case .rateLimited, .unavailable where e.retryAfter != nil:
                var response = message("rate", e.code == .rateLimited ? .tooManyRequests : .serviceUnavailable)
                response.headers[.retryAfter] = String(max(1, e.retryAfter ?? 60))
                return response
            default: break
            }
        }
        let status = APIError.from(error).status
        if status.code < 500 { return message("invalid", status) }
        context.logger.error("console request failed", metadata: ["error_type": "\(type(of: error))", "path": "\(LogRedaction.path(request.uri.path))",
                                                                  "request_id": "\(context.id)"])
        return message("failure", status)
    }
}
