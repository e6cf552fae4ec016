import Foundation

extension RecoveryActionID {
    /// Issues an emergency access code from the flow's template (docs/emergency-codes.md).
    public static let emergencyCode: Self = "emergency-code"
}

/// `emergency-code`: issues a code from the flow's template; the code is shown once, with its limits.
struct EmergencyCodeAction: RecoveryAction {
    var id: RecoveryActionID { .emergencyCode }
    /// It replaces the second factor: one SIM swap or one mailbox takeover must not be enough.
    var assurance: ActionAssurance { .twoFactors }

    func perform(_ ctx: ActionContext, input: ActionInput) async throws -> ActionResult {
        guard let def = ctx.flow.definitionID.flatMap(ctx.config.flow), let template = ctx.config.emergencyTemplate(for: def) else {
            throw LifelineError(.actionUnavailable, "no emergency-code template is configured")
        }
        let claim = try await ctx.claim(reason: "template \(template.id)")
        let s = ctx.service
        let issued = try await claim.attempt {
            try await EmergencyCodeService(storage: s.storage, vault: s.vault, clock: s.clock, random: s.random)
                .issue(tenant: ctx.tenant, userID: ctx.user.id, username: ctx.user.username, template: template, actor: "anonymous", source: ctx.source)
        }
        try await claim.finish(notify: "emergency_code", reason: "template \(template.id)")
        var items: [ActionResult.Item] = [.init("code", .text(issued.code))]
        var lines: [ActionText] = []
        if let expiresAt = issued.expiresAt {
            items.append(.init("expires_at", .time(expiresAt)))
            lines.append(ActionText("code_expires", ["time": .time(expiresAt)]))
        }
        if let maxUses = issued.maxUses {
            items.append(.init("max_uses", .number(maxUses)))
            lines.append(ActionText("code_uses", ["count": .number(maxUses)]))
        }
        lines.append(ActionText("code_once"))
        return ActionResult(result: "emergency_code", items: items,
                            page: .init(title: "title_code_result", intro: "intro_code_result", value: issued.code, lines: lines))
    }
}
