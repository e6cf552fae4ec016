import Hummingbird
import Logging

/// Writes one log line per request answered: method, path without secrets (``LogRedaction/accessPath(_:)``; the query
/// string dropped), status, time taken and the client address that ``ClientAddressMiddleware`` resolved. On by default
/// with `log.format: json`, off with text (`log.access` turns it either way; docs/configuration.md).
///
/// Why the query string is dropped, not redacted: a card unblock link and a language switch carry their values there,
/// and no value in a query is needed to read the log; the request id in the logger's metadata joins a line to the
/// answer the client got.
struct AccessLogMiddleware: RouterMiddleware {
    typealias Context = AppRequestContext

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let start = ContinuousClock.now
        do {
            let response = try await next(request, context)
            log(request, context: context, status: response.status.code, start: start)
            return response
        } catch {
            // Errors past the error middleware (none expected): the status the server will answer with.
            log(request, context: context, status: (error as? any HTTPResponseError)?.status.code ?? 500, start: start)
            throw error
        }
    }

    private func log(_ request: Request, context: Context, status: Int, start: ContinuousClock.Instant) {
        let elapsed = ContinuousClock.now - start
        let ms = Double(elapsed.components.seconds) * 1000 + Double(elapsed.components.attoseconds) / 1e15
        context.logger.info("request", metadata: [
            "method": "\(request.method.rawValue)",
            "path": "\(LogRedaction.accessPath(request.uri.path))",
            "status": "\(status)",
            "duration_ms": "\((ms * 1000).rounded() / 1000)",
            "client": "\(context.sourceAddress)",
        ])
    }
}
