import Foundation

extension AdminService {
    var emergencyCodes: EmergencyCodeService { EmergencyCodeService(storage: storage, vault: vault, clock: clock, random: random) }

    /// A user's emergency code as of now (never the code). Throws `notFound` for an unknown tenant or user, or when the
    /// user never had a code.
    public func emergencyCode(tenantName: String, username: String, caller: Caller) async throws -> (User, EmergencyCodeState) {
        try authorizer.require(.emergencyCodesRead, caller)
        let (_, user) = try await user(tenantName: tenantName, username: username, caller: caller)
        guard let state = try await emergencyCodes.state(userID: user.id) else { throw LifelineError(.notFound, "this user has no emergency code") }
        return (user, state)
    }

    /// Revokes a user's emergency code (audited as `emergency_code.revoke`, reason "revoked by an administrator") and
    /// returns its state. Revoking a code that is no longer usable changes nothing. Throws `notFound` as
    /// ``emergencyCode(tenantName:username:caller:)`` does.
    public func revokeEmergencyCode(tenantName: String, username: String, caller: Caller) async throws -> (User, EmergencyCodeState) {
        try authorizer.require(.emergencyCodesRevoke, caller)
        let (tenant, user) = try await user(tenantName: tenantName, username: username, caller: caller)
        let state = try await emergencyCodes.revoke(tenant: tenant, userID: user.id, username: user.username, reason: "revoked by an administrator",
                                                    actor: caller.actor, source: caller.source)
        return (user, state)
    }
}
