import Foundation

extension RecoveryActionID {
    /// Clears the lock, the throttle and the fail count of the user's OTP tokens (docs/recovery-actions.md).
    public static let unlockAuthenticator: Self = "unlock-authenticator"
}

/// `unlock-authenticator`: clears the lock, throttle and fail count of the user's tokens (disabled ones stay disabled).
/// Why a recovery action: a lock that wrong codes can cause must have a way out that needs no administrator; a
/// verified flow (two factors, none of them the locked authenticator) is that way, notified to every contact.
struct UnlockAuthenticatorAction: RecoveryAction {
    var id: RecoveryActionID { .unlockAuthenticator }
    /// It bypasses the second factor: one SIM swap or one mailbox takeover must not be enough.
    var assurance: ActionAssurance { .twoFactors }

    /// Whether one of the tokens is locked, throttled or has failures: what unlock-authenticator clears.
    static func needsUnlock(_ tokens: [Token]) -> Bool {
        tokens.contains { $0.state == .locked || $0.failCount > 0 || $0.throttledUntil != nil }
    }

    /// Offered only when there is something to unlock, like unlock-account.
    func unavailableReason(_ check: ActionCheck) async -> String? {
        let locked = (try? await check.storage.storedTokens(userID: check.user.id).map(\.token)).map(Self.needsUnlock) ?? false
        return locked ? nil : "action.authenticator_not_locked"
    }

    func perform(_ ctx: ActionContext, input: ActionInput) async throws -> ActionResult {
        let user = ctx.user
        guard Self.needsUnlock(try await ctx.storage.storedTokens(userID: user.id).map(\.token)) else {
            try await ctx.refused("authenticator not locked")
            throw LifelineError(.actionUnavailable, "the authenticator is not locked", details: [ctx.detail("action.authenticator_not_locked")])
        }
        let claim = try await ctx.claim()
        let tokenAudit = AuditRecord(time: ctx.now, tenant: ctx.tenant.name, actor: "anonymous", subject: user.username, event: "token.unlock",
                                     outcome: "success", reason: "recovery action unlock-authenticator", source: ctx.source)
        let changed = try await claim.attempt {
            let changed = try await ctx.storage.unlockTokens(userID: user.id, audit: tokenAudit)
            // Unlocked meanwhile (by an administrator or a concurrent flow): nothing was done, the grant is given back.
            guard changed > 0 else {
                throw LifelineError(.actionUnavailable, "the authenticator is not locked", details: [ctx.detail("action.authenticator_not_locked")])
            }
            return changed
        }
        try await claim.finish(notice: "notice.authenticator_unlocked", notify: "authenticator_unlocked", reason: "\(changed) token(s)")
        return ActionResult(result: "authenticator_unlocked")
    }
}
