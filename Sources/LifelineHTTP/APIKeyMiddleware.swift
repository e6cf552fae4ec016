import Hummingbird
import HTTPTypes
import LifelineCore

/// Authenticates `Authorization: Bearer <key>` and requires a scope; sets the context's caller.
public struct APIKeyMiddleware: RouterMiddleware {
    public typealias Context = AppRequestContext
    let admin: AdminService
    let scope: APIKeyScope

    public init(admin: AdminService, scope: APIKeyScope) { self.admin = admin; self.scope = scope }

    public func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard let header = request.headers[.authorization], header.hasPrefix("Bearer "),
              let caller = try await admin.authenticate(presentedKey: String(header.dropFirst(7)), source: context.sourceAddress) else {
            throw APIError(.unauthorized, "unauthorized", "a valid API key is required (Authorization: Bearer …)")
        }
        // Why separate scopes: a login system's validate key must not be able to enroll tokens or read the audit.
        guard caller.scope == scope else {
            throw APIError(.forbidden, "forbidden", "this API key lacks the '\(scope.rawValue)' scope")
        }
        var context = context
        context.caller = caller
        return try await next(request, context)
    }
}
