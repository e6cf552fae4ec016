import Foundation

extension HelpdeskService {
    /// Issues a helpdesk emergency access code from the tenant's template: a user's emergency code (replacing any
    /// earlier one) with the template id `helpdesk`, so it is accepted wherever an emergency code is — `POST /validate`
    /// and the flows' emergency-code credential — stored as an HMAC, with its uses counted by the store's atomic
    /// guard. Returns the code when delivery is `show`, else the message that carries it to the chosen contact.
    func issueCode(_ request: HelpdeskRequest, tenant: Tenant, user: User, caller: Principal) async throws -> (IssuedHelpdeskCode, OutboxMessage?) {
        let settings = try await settings(tenant).emergencyCode
        let template = try settings.template(uses: request.uses, minutes: request.lifetimeMinutes)
        // Resolved before the code exists, so a bad contact issues nothing.
        let contact = settings.delivery == .send ? try await verifiedContact(request.contactID, of: user) : nil
        let service = EmergencyCodeService(storage: storage, vault: admin.vault, clock: clock, random: admin.random)
        let issued = try await service.issue(tenant: tenant, userID: user.id, username: user.username, template: template,
                                             actor: caller.actor, source: caller.source)
        guard let contact else {
            return (IssuedHelpdeskCode(code: issued.code, expiresAt: issued.expiresAt, maxUses: issued.maxUses, delivery: .show), nil)
        }
        let hours = String(max(1, (template.validFor ?? 3600) / 3600))
        let message = try await notices.codeMessage("code", to: contact, user: user, tenant: tenant,
                                                    args: ["code": issued.code, "uses": String(template.maxUses ?? 1), "hours": hours], now: clock.now())
        // Why the operator never sees it: with delivery `send` the code goes only to the user's own verified contact,
        // so an operator talked into it by an impostor still hands the impostor nothing.
        return (IssuedHelpdeskCode(code: nil, expiresAt: issued.expiresAt, maxUses: issued.maxUses, delivery: .send,
                                   sentTo: CallerVerification.mask(contact)), message)
    }
}
