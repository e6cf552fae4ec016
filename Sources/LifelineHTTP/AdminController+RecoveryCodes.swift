import Foundation
import Hummingbird
import LifelineCore

/// Admin routes for users' saved recovery codes (docs/recovery-codes.md): issue a set (the only answer that shows the
/// codes), read how many remain, revoke.
struct AdminRecoveryCodeController {
    let admin: AdminService

    /// The codes of a new set, in printed form.
    struct CodesOut: Encodable { let codes: [String] }

    /// A set as the API shows it (never a code or a hash); absent values are explicit nulls.
    struct SetOut: Encodable {
        let set: RecoveryCodeSet, tenant: String, username: String
        enum K: String, CodingKey { case tenant, username, status, issued_at, total, remaining, fail_count, revoked_at, revoked_reason }
        func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: K.self)
            try c.encode(tenant, forKey: .tenant)
            try c.encode(username, forKey: .username)
            try c.encode(set.status.rawValue, forKey: .status)
            try c.encode(set.issuedAt, forKey: .issued_at)
            try c.encode(set.total, forKey: .total)
            // What can still be used: 0 once the set is revoked.
            try c.encode(set.usable, forKey: .remaining)
            try c.encode(set.failCount, forKey: .fail_count)
            if let at = set.revokedAt { try c.encode(at, forKey: .revoked_at) } else { try c.encodeNil(forKey: .revoked_at) }
            if let reason = set.revokedReason { try c.encode(reason, forKey: .revoked_reason) } else { try c.encodeNil(forKey: .revoked_reason) }
        }
    }

    func addRoutes(to group: RouterGroup<AuthenticatedRequestContext>) {
        group.post("/tenants/:tenant/users/:username/recovery-codes") { _, context in
            let (_, codes) = try await admin.issueRecoveryCodes(tenantName: try context.parameters.require("tenant"),
                                                                username: try context.parameters.require("username"),
                                                                caller: context.principal)
            return try JSON.response(CodesOut(codes: codes), status: .created)
        }
        group.get("/tenants/:tenant/users/:username/recovery-codes") { _, context in
            let tenant = try context.parameters.require("tenant")
            let (user, set) = try await admin.recoveryCodeSet(tenantName: tenant, username: try context.parameters.require("username"),
                                                              caller: context.principal)
            guard let set else { throw LifelineError(.notFound, "this user has no recovery codes") }
            return try JSON.response(SetOut(set: set, tenant: tenant, username: user.username))
        }
        group.delete("/tenants/:tenant/users/:username/recovery-codes") { _, context in
            let tenant = try context.parameters.require("tenant")
            let (user, set) = try await admin.revokeRecoveryCodes(tenantName: tenant, username: try context.parameters.require("username"),
                                                                  caller: context.principal)
            return try JSON.response(SetOut(set: set, tenant: tenant, username: user.username))
        }
    }
}
