import Hummingbird
import HTTPTypes
import LifelineCore

/// Authenticates `Authorization: Bearer <key>` and sets the context's principal; an unknown, wrong, revoked or
/// expired key gets 401. What the key may do is decided by the services (``Authorizer``), not here.
public struct APIKeyMiddleware: RouterMiddleware {
    public typealias Context = AppRequestContext
    let admin: AdminService

    public init(admin: AdminService) { self.admin = admin }

    public func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        // The scheme name is case-insensitive (RFC 9110 §11.1): "bearer" is as good as "Bearer".
        guard let header = request.headers[.authorization], header.prefix(7).lowercased() == "bearer ",
              let principal = try await admin.authenticate(presentedKey: String(header.dropFirst(7)), source: context.sourceAddress) else {
            throw APIError(.unauthorized, "unauthorized", "a valid API key is required (Authorization: Bearer …)")
        }
        var context = context
        context.principal = principal
        return try await next(request, context)
    }
}
