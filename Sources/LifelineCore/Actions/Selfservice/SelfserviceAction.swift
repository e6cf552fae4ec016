import Foundation

extension RecoveryActionID {
    /// Sends the verified user to the tenant's own self-service page (`selfservice_url`).
    public static let selfservice: Self = "selfservice"
}

/// `selfservice`: a redirect to the tenant's self-service page; the grant is used, nothing else changes here.
struct SelfserviceAction: RecoveryAction {
    var id: RecoveryActionID { .selfservice }
    /// Only a redirect: the tenant's page asks for its own proof.
    var assurance: ActionAssurance { .any }

    func perform(_ ctx: ActionContext, input: ActionInput) async throws -> ActionResult {
        guard let url = ctx.config.selfserviceURL else { throw LifelineError(.actionUnavailable, "this action is not available") }
        let claim = try await ctx.claim()
        try await claim.finish()
        return ActionResult(result: "redirect", redirect: url)
    }
}
