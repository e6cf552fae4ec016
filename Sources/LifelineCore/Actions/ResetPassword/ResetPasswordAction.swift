import Foundation

extension RecoveryActionID {
    /// Sets a new password in the tenant's directory.
    public static let resetPassword: Self = "reset-password"
}

/// `reset-password`: the new password, typed twice, checked against the tenant's rules, then set in the directory.
struct ResetPasswordAction: RecoveryAction {
    var id: RecoveryActionID { .resetPassword }
    var fields: [ActionField] {
        [ActionField(name: "password", type: "password", autocomplete: "new-password"),
         ActionField(name: "confirmation", type: "password", autocomplete: "new-password")]
    }
    /// A new password, never a second factor: a possession step keeps a researched answer from yielding it.
    var assurance: ActionAssurance { .possession }

    func unavailableReason(_ check: ActionCheck) async -> String? {
        await check.onDirectoryAccount { _ in nil }
    }

    /// The tenant's password rules as catalog texts, shown before the user types.
    func formRules(_ config: RecoveryConfig) -> [ActionText] {
        let p = config.passwordPolicy
        var out = [ActionText("password.rule_length", ["min": .text(String(p.minLength)), "max": .text(String(p.maxLength))])]
        if p.minClasses > 0 { out.append(ActionText("password.classes", ["count": .text(String(p.minClasses))])) }
        if p.forbidUsername { out.append(ActionText("password.rule_username")) }
        out.append(ActionText("password.rule_common"))
        return out
    }

    func perform(_ ctx: ActionContext, input: ActionInput) async throws -> ActionResult {
        let new = input["password"], confirmation = input["confirmation"]
        guard !new.isEmpty else {
            throw LifelineError(.invalidRequest, "type the new password twice (password, confirmation)", details: [ctx.detail("password.required")])
        }
        guard new == confirmation else {
            throw LifelineError(.invalidRequest, "the two passwords differ", details: [ctx.detail("password.mismatch")])
        }
        let problems = ctx.config.passwordPolicy.problems(password: new, username: ctx.user.username)
        guard problems.isEmpty else {
            try await ctx.refused("password rules: " + problems.map(\.id).joined(separator: ", "))
            throw LifelineError(.invalidRequest, "the new password breaks the password rules", details: problems.map { ctx.detail($0.id, $0.args) })
        }
        let (directory, account) = try await ctx.directoryAccount()
        let claim = try await ctx.claim()
        try await claim.attempt { try await directory.resetPassword(account, newPassword: new) }
        try await claim.finish(notice: "notice.password_reset", notify: "password_reset")
        return ActionResult(result: "password_reset")
    }
}
