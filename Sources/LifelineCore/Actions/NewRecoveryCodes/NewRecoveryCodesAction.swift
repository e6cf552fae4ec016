import Foundation

extension RecoveryActionID {
    /// Issues a fresh set of saved recovery codes, invalidating the old one (docs/recovery-codes.md).
    public static let newRecoveryCodes: Self = "new-recovery-codes"
}

/// `new-recovery-codes`: issues a fresh set of ``RecoveryCodeFormat/codesPerSet`` codes through ``RecoveryCodeService``
/// (which replaces, and so invalidates, the old set, audits `recovery_codes.issue` and notifies the user's verified
/// contacts). The codes are shown once, grouped as printed. Always available: a user may always get new codes.
struct NewRecoveryCodesAction: RecoveryAction {
    var id: RecoveryActionID { .newRecoveryCodes }
    /// Why two factors (the default): the new codes are a second factor of their own (they pass `/validate` in place
    /// of the OTP and a `recovery_code` step), so one SIM swap or one mailbox takeover must not be enough to mint them.
    var assurance: ActionAssurance { .twoFactors }

    func perform(_ ctx: ActionContext, input: ActionInput) async throws -> ActionResult {
        let claim = try await ctx.claim(reason: "new set")
        let codes = try await claim.attempt {
            try await ctx.recoveryCodes.issue(tenant: ctx.tenant, user: ctx.user, actor: "anonymous", source: ctx.source)
        }
        // No notice of the action's own: issuing the set already notified the user's verified contacts.
        try await claim.finish(reason: "\(codes.count) codes")
        return ActionResult(result: "recovery_codes", items: [.init("codes", .texts(codes))],
                            page: .init(title: "title_recovery_codes_result", intro: "intro_recovery_codes_result",
                                        value: codes.joined(separator: "\n"), lines: [ActionText("recovery_codes_once")]))
    }
}

extension ActionContext {
    /// The user's recovery codes, on the service's ports.
    var recoveryCodes: RecoveryCodeService {
        let s = service
        return RecoveryCodeService(storage: s.validation.storage, vault: s.vault, clock: s.clock, random: s.random,
                                   hashPool: s.hashPool, onQueued: s.onQueued)
    }
}
