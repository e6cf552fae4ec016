import Foundation

extension RecoveryActionID {
    /// Clears the lockout of the user's directory account.
    public static let unlockAccount: Self = "unlock-account"
}

/// `unlock-account`: offered only while the directory account is locked.
struct UnlockAccountAction: RecoveryAction {
    var id: RecoveryActionID { .unlockAccount }
    /// Clears a lockout only: the user still needs the password (and second factor) to log in.
    var assurance: ActionAssurance { .any }

    func unavailableReason(_ check: ActionCheck) async -> String? {
        await check.onDirectoryAccount { $0.locked ? nil : "action.not_locked" }
    }

    func perform(_ ctx: ActionContext, input: ActionInput) async throws -> ActionResult {
        let (directory, account) = try await ctx.directoryAccount()
        guard account.locked else {
            try await ctx.refused("account not locked")
            throw LifelineError(.actionUnavailable, "the account is not locked", details: [ctx.detail("action.not_locked")])
        }
        let claim = try await ctx.claim()
        try await claim.attempt { try await directory.unlock(account) }
        try await claim.finish(notice: "notice.unlocked", notify: "unlocked")
        return ActionResult(result: "unlocked")
    }
}
