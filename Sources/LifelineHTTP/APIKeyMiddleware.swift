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
        // The scheme name is case-insensitive (RFC 9110 §11.1): "bearer" is as good as "Bearer".
        guard let header = request.headers[.authorization], header.prefix(7).lowercased() == "bearer ",
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

/// Keeps a tenant-scoped admin key inside its tenant: a route naming another tenant (path `:tenant` or query
/// `?tenant=`) gets 403, as the contract says. Why 403 for every other name, existing or not: the key must not
/// learn which other tenants exist (the core answers such lookups with not_found, which the contract does not want).
struct TenantScopeMiddleware: RouterMiddleware {
    typealias Context = AppRequestContext
    let tenants: any TenantStore

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let named = context.parameters.get("tenant") ?? request.uri.queryParameters.get("tenant").map { String($0) }
        if let tenantID = context.caller?.tenantID, let named {
            guard let own = try await tenants.tenant(id: tenantID), own.name == named else {
                throw APIError(.forbidden, "forbidden", "this API key is limited to another tenant")
            }
        }
        return try await next(request, context)
    }
}
