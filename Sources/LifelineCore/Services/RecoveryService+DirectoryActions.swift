import Foundation

/// The actions that go through the tenant's account directory (reset-password, unlock-account) and the one that
/// clears the user's own OTP tokens (unlock-authenticator); dispatched by ``RecoveryService/useAction(flowID:action:input:source:)``.
extension RecoveryService {
    // MARK: reset-password, unlock-account

    func resetPassword(_ ctx: ActionContext, user: User, input: ActionInput) async throws -> ActionOutcome {
        guard case .password(let new, let confirmation) = input, !new.isEmpty else {
            throw LifelineError(.invalidRequest, "type the new password twice (password, confirmation)",
                                details: [ctx.detail(catalog, "password.required")])
        }
        guard new == confirmation else {
            throw LifelineError(.invalidRequest, "the two passwords differ", details: [ctx.detail(catalog, "password.mismatch")])
        }
        let problems = ctx.config.passwordPolicy.problems(password: new, username: user.username)
        guard problems.isEmpty else {
            try await storage.append(ctx.audit("refused", "password rules: " + problems.map(\.id).joined(separator: ", ")))
            throw LifelineError(.invalidRequest, "the new password breaks the password rules",
                                details: problems.map { ctx.detail(catalog, $0.id, $0.args) })
        }
        let (directory, account) = try await directoryAccount(ctx, user: user)
        let claimed = try await claim(ctx)
        do {
            try await directory.resetPassword(account, newPassword: new)
        } catch {
            throw try await giveBack(claimed, error)
        }
        try await finish(claimed, notice: "notice.password_reset", notify: "password_reset")
        return .passwordReset
    }

    func unlockAccount(_ ctx: ActionContext, user: User) async throws -> ActionOutcome {
        let (directory, account) = try await directoryAccount(ctx, user: user)
        guard account.locked else {
            try await storage.append(ctx.audit("refused", "account not locked"))
            throw LifelineError(.actionUnavailable, "the account is not locked", details: [ctx.detail(catalog, "action.not_locked")])
        }
        let claimed = try await claim(ctx)
        do {
            try await directory.unlock(account)
        } catch {
            throw try await giveBack(claimed, error)
        }
        try await finish(claimed, notice: "notice.unlocked", notify: "unlocked")
        return .unlocked
    }

    /// Whether one of the tokens is locked, throttled or has failures: what unlock-authenticator clears.
    static func needsUnlock(_ tokens: [Token]) -> Bool {
        tokens.contains { $0.state == .locked || $0.failCount > 0 || $0.throttledUntil != nil }
    }

    /// unlock-authenticator: clears the lock, throttle and fail count of the user's tokens (disabled ones stay disabled).
    /// Why a recovery action: a lock that wrong codes can cause must have a way out that needs no administrator; a
    /// verified flow (two factors, none of them the locked authenticator) is that way, notified to every contact.
    func unlockAuthenticator(_ ctx: ActionContext, user: User) async throws -> ActionOutcome {
        guard Self.needsUnlock(try await storage.storedTokens(userID: user.id).map(\.token)) else {
            try await storage.append(ctx.audit("refused", "authenticator not locked"))
            throw LifelineError(.actionUnavailable, "the authenticator is not locked", details: [ctx.detail(catalog, "action.authenticator_not_locked")])
        }
        let claimed = try await claim(ctx)
        let tokenAudit = AuditRecord(time: ctx.now, tenant: ctx.tenant.name, actor: "anonymous", subject: user.username, event: "token.unlock",
                                     outcome: "success", reason: "recovery action unlock-authenticator", source: ctx.source)
        let changed: Int
        do {
            changed = try await storage.unlockTokens(userID: user.id, audit: tokenAudit)
        } catch {
            throw try await giveBack(claimed, error)
        }
        guard changed > 0 else {
            // Unlocked meanwhile (by an administrator or a concurrent flow): nothing was done, the grant is kept.
            throw try await giveBack(claimed, LifelineError(.actionUnavailable, "the authenticator is not locked",
                                                            details: [ctx.detail(catalog, "action.authenticator_not_locked")]))
        }
        try await finish(claimed, notice: "notice.authenticator_unlocked", notify: "authenticator_unlocked", reason: "\(changed) token(s)")
        return .authenticatorUnlocked
    }

    /// The tenant's directory and the user's account in it.
    func directoryAccount(_ ctx: ActionContext, user: User) async throws -> (any Directory, DirectoryAccount) {
        do {
            let directory = try await directories.directory(tenant: ctx.tenant, settings: ctx.config.directory)
            guard let account = try await directory.account(username: user.username) else {
                try await storage.append(ctx.audit("refused", "no account in the directory"))
                throw LifelineError(.actionUnavailable, "there is no account for you in the directory",
                                    details: [ctx.detail(catalog, "action.no_account")])
            }
            return (directory, account)
        } catch let e as DirectoryUnavailable {
            try await storage.append(ctx.audit("failed", "directory unavailable: \(e.description)"))
            throw LifelineError(.unavailable, "the directory cannot be reached; try again later", details: [ctx.detail(catalog, "directory.unavailable")])
        }
    }
}
