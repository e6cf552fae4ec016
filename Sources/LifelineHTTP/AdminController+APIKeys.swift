import Foundation
import Hummingbird
import LifelineCore

extension DTO {
    /// An API key as listed: never its secret or the secret's hash. Absent times are explicit nulls. `role` is what the
    /// key may do; `scope`, kept from before roles, is the API it calls (`validate`, or `admin` for every other role).
    struct APIKeyOut: Encodable {
        let k: APIKey, tenant: String?, now: Date
        enum K: String, CodingKey { case id, name, scope, role, tenant, state, created_at, expires_at, last_used_at, revoked_at, created_by }
        func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: K.self)
            try c.encode(k.id, forKey: .id)
            try c.encode(k.name, forKey: .name)
            try c.encode(k.role.scope, forKey: .scope)
            try c.encode(k.role.rawValue, forKey: .role)
            try c.encode(tenant, forKey: .tenant)
            try c.encode(k.state(at: now).rawValue, forKey: .state)
            try c.encode(k.createdAt, forKey: .created_at)
            try c.encode(k.expiresAt, forKey: .expires_at)
            try c.encode(k.lastUsedAt, forKey: .last_used_at)
            try c.encode(k.revokedAt, forKey: .revoked_at)
            try c.encode(k.createdBy, forKey: .created_by)
        }
    }
}

extension AdminController {
    /// `GET /apikeys[?tenant=]` and `DELETE /apikeys/:id` (a tenant key: only its tenant's keys; the tenant scope
    /// core refuses another `?tenant=` with 403 and hides other keys as 404).
    func addAPIKeyRoutes(to group: RouterGroup<AuthenticatedRequestContext>) {
        group.get("/apikeys") { request, context in
            let caller = context.principal
            let keys = try await admin.listAPIKeys(tenantName: request.uri.queryParameters.get("tenant").map { String($0) }, caller: caller)
            let now = clock.now()
            return try JSON.response(["api_keys": keys.map { DTO.APIKeyOut(k: $0.key, tenant: $0.tenant, now: now) }])
        }
        group.delete("/apikeys/:id") { _, context in
            let caller = context.principal
            let (key, tenant) = try await admin.revokeAPIKey(id: try context.parameters.require("id"), caller: caller)
            return try JSON.response(DTO.APIKeyOut(k: key, tenant: tenant, now: clock.now()))
        }
    }
}
