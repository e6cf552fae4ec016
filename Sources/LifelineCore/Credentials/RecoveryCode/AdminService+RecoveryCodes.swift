import Foundation

extension AdminService {
    var recoveryCodes: RecoveryCodeService { RecoveryCodeService(storage: storage, vault: vault, clock: clock, random: random) }

    /// Issues a new set of recovery codes for a user (replacing the old set) and returns the codes in printed form: the
    /// only time they are shown. Audited as `recovery_codes.issue`. Throws `notFound` for an unknown tenant or user and
    /// for a disabled user.
    public func issueRecoveryCodes(tenantName: String, username: String, caller: Caller) async throws -> (User, [String]) {
        try authorizer.require(.recoveryCodesManage, caller)
        let (tenant, user) = try await user(tenantName: tenantName, username: username, caller: caller)
        let codes = try await recoveryCodes.issue(tenant: tenant, user: user, actor: caller.actor, source: caller.source)
        return (user, codes)
    }

    /// A user's set of recovery codes (never the codes); nil when the user never had one.
    public func recoveryCodeSet(tenantName: String, username: String, caller: Caller) async throws -> (User, RecoveryCodeSet?) {
        try authorizer.require(.recoveryCodesRead, caller)
        let (_, user) = try await user(tenantName: tenantName, username: username, caller: caller)
        return (user, try await recoveryCodes.set(userID: user.id))
    }

    /// Revokes a user's set (audited as `recovery_codes.revoke`, reason "revoked by an administrator") and returns it
    /// as it is afterwards. Revoking a set that is not active changes nothing. Throws `notFound` when the user never had one.
    public func revokeRecoveryCodes(tenantName: String, username: String, caller: Caller) async throws -> (User, RecoveryCodeSet) {
        try authorizer.require(.recoveryCodesManage, caller)
        let (tenant, user) = try await user(tenantName: tenantName, username: username, caller: caller)
        _ = try await recoveryCodes.revoke(tenant: tenant, user: user, reason: "revoked by an administrator", actor: caller.actor, source: caller.source)
        guard let set = try await recoveryCodes.set(userID: user.id) else { throw LifelineError(.notFound, "this user has no recovery codes") }
        return (user, set)
    }
}
