import Foundation
import Hummingbird
import LifelineCore

/// Admin routes for users' emergency access codes: read the state, revoke. There is deliberately no route that
/// issues a code: codes are issued only to a user who verified themselves in a recovery flow (docs/emergency-codes.md).
struct AdminEmergencyCodeController {
    let admin: AdminService

    /// A code's state as the API shows it (never the code or its hash); absent values are explicit nulls.
    struct StateOut: Encodable {
        let s: EmergencyCodeState, tenant: String, username: String
        enum K: String, CodingKey {
            case tenant, username, template_id, status, issued_at, expires_at, max_uses, uses_left, used_count, fail_count
            case revoked_at, revoked_reason
        }
        func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: K.self)
            try c.encode(tenant, forKey: .tenant)
            try c.encode(username, forKey: .username)
            try c.encode(s.templateID, forKey: .template_id)
            try c.encode(s.status.rawValue, forKey: .status)
            try c.encode(s.issuedAt, forKey: .issued_at)
            try c.encodeNullable(s.expiresAt, forKey: .expires_at)
            try c.encodeNullable(s.maxUses, forKey: .max_uses)
            try c.encodeNullable(s.usesLeft, forKey: .uses_left)
            try c.encode(s.usedCount, forKey: .used_count)
            try c.encode(s.failCount, forKey: .fail_count)
            try c.encodeNullable(s.revokedAt, forKey: .revoked_at)
            try c.encodeNullable(s.revokedReason, forKey: .revoked_reason)
        }
    }

    func addRoutes(to group: RouterGroup<AuthenticatedRequestContext>) {
        group.get("/tenants/:tenant/users/:username/emergency-code") { _, context in
            let tenant = try context.parameters.require("tenant")
            let (user, state) = try await admin.emergencyCode(tenantName: tenant, username: try context.parameters.require("username"),
                                                              caller: context.principal)
            return try JSON.response(StateOut(s: state, tenant: tenant, username: user.username))
        }
        group.delete("/tenants/:tenant/users/:username/emergency-code") { _, context in
            let tenant = try context.parameters.require("tenant")
            let (user, state) = try await admin.revokeEmergencyCode(tenantName: tenant, username: try context.parameters.require("username"),
                                                                    caller: context.principal)
            return try JSON.response(StateOut(s: state, tenant: tenant, username: user.username))
        }
    }
}

private extension KeyedEncodingContainer {
    /// Encodes `value`, or an explicit null when it is nil (the API document lists these fields as required and nullable).
    mutating func encodeNullable<T: Encodable>(_ value: T?, forKey key: Key) throws {
        if let value { try encode(value, forKey: key) } else { try encodeNil(forKey: key) }
    }
}
