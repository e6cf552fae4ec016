import Hummingbird
import HTTPTypes
import LifelineCore
import Logging

/// Turns every error into a JSON error response (never a stack trace) and adds the security headers every
/// response carries.
public struct ErrorMiddleware<Context: RequestContext>: RouterMiddleware {
    let methods: MethodTable
    /// The page for a browser that asked for an address nobody serves (nil: not a browser's request; see
    /// ``WebController/notFoundPage(_:)``).
    let htmlNotFound: (@Sendable (Request) -> Response?)?

    init(methods: MethodTable, htmlNotFound: (@Sendable (Request) -> Response?)? = nil) { self.methods = methods; self.htmlNotFound = htmlNotFound }

    public func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var response: Response
        do {
            response = try await next(request, context)
        } catch let error as HTTPError where error.status == .notFound && context.coreContext.endpointPath.value == "NotFound" {
            // No route for this method: a known path with another method is a 405, anything else a 404.
            if let allowed = methods.allowedMethods(for: request.uri.path) {
                response = APIError(.methodNotAllowed, "method_not_allowed", "use \(allowed.map(\.rawValue).joined(separator: ", "))").response()
                response.headers[.allow] = allowed.map(\.rawValue).joined(separator: ", ")
            } else if let page = htmlNotFound?(request) {
                response = page
            } else {
                response = APIError.from(error).response()
            }
        } catch {
            let apiError = APIError.from(error)
            if apiError.status.code >= 500 {
                // Logged with its type (and a core error's code) only: an error's text may contain values from the
                // request or secrets. The request id (in the logger's metadata and in the answer) joins the two.
                var metadata: Logger.Metadata = ["error_type": "\(type(of: error))", "path": "\(LogRedaction.path(request.uri.path))"]
                if let core = error as? LifelineError { metadata["error_code"] = "\(core.code)" }
                if let core = error as? LifelineError, core.code == .unavailable, core.retryAfter != nil {
                    // A refusal by a bounded resource (the slow-hash pool's full queue) is load, not a fault: under a
                    // flood an error line per refusal would flood the log too.
                    context.logger.notice("request refused: busy", metadata: metadata)
                } else {
                    context.logger.error("request failed", metadata: metadata)
                }
                response = apiError.response(requestID: context.id)
            } else {
                response = apiError.response()
            }
        }
        // Why: API responses must not be cached by proxies (they may hold URIs with secrets), sniffed, or framed.
        // A route may choose its own caching (the web app's static assets); everything else is never stored.
        if response.headers[.cacheControl] == nil { response.headers[.cacheControl] = "no-store" }
        response.headers[.xContentTypeOptions] = "nosniff"
        response.headers[.init("X-Frame-Options")!] = "DENY"
        response.headers[.init("Referrer-Policy")!] = "no-referrer"
        return response
    }
}

extension HTTPField.Name {
    static let xContentTypeOptions = HTTPField.Name("X-Content-Type-Options")!
}
