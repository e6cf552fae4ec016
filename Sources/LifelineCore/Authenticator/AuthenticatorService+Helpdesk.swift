import Foundation

/// The Authenticator's helpdesk actions ("Block PIN", "Display UBC", "Reset PIN with the user present"), as
/// ``HelpdeskService`` runs them after its checks (reason, permission, caller verification, four-eyes). Each writes
/// its change with its own `authenticator.*` audit record; the helpdesk writes its `helpdesk.*` record and the notice.
extension AuthenticatorService {
    /// Throws `invalidRequest` when the user has no app at the tenant (nothing to block, unblock or reset).
    func requireApp(tenant: Tenant, user: User) async throws -> AuthenticatorCurrent {
        guard let current = try await storage.currentAuthenticator(tenantID: tenant.id, userID: user.id) else {
            throw LifelineError(.invalidRequest, "the user has no Lifeline Authenticator at this organization")
        }
        return current
    }

    /// Blocks the user's app at this tenant (its other organizations are untouched). Throws `invalidRequest` when it is
    /// not active (already blocked, or none).
    func blockPIN(tenant: Tenant, user: User, reason: String, caller: Principal) async throws {
        _ = try await requireApp(tenant: tenant, user: user)
        let blocked = try await storage.blockLink(tenantID: tenant.id, userID: user.id, now: clock.now(),
                                                  audit: admin.audit(caller, tenant: tenant.name, subject: user.username, event: "authenticator.pin_block",
                                                                     reason: reason))
        guard blocked else { throw LifelineError(.invalidRequest, "the user's Lifeline Authenticator is already blocked at this organization") }
    }

    /// Makes and stores a new UBC for the user at this tenant (replacing any earlier one) and returns it: the only
    /// time anyone sees it. Why 8 digits from the CSPRNG and sealed, not hashed: the server must read it back to open
    /// an offline 9-digit unblock code; 3 wrong entries block it.
    func displayUBC(tenant: Tenant, user: User, reason: String, caller: Principal) async throws -> DisplayedUBC {
        _ = try await requireApp(tenant: tenant, user: user)
        let settings = try await settings(tenant.id)
        let now = clock.now()
        let code = random.string(length: AuthenticatorRules.ubcDigits, alphabet: Array("0123456789"))
        let id = random.uuid()
        let ubc = AuthenticatorUBC(id: id, tenantID: tenant.id, userID: user.id,
                                   code: try await vault.seal(Array(code.utf8), context: AuthenticatorSealing.ubcContext(ubcID: id, tenantID: tenant.id,
                                                                                                                        userID: user.id)),
                                   createdAt: now, expiresAt: now.addingTimeInterval(TimeInterval(settings.ubcLifetimeHours) * 3600), issuedBy: caller.actor)
        try await storage.putUBC(ubc, audit: admin.audit(caller, tenant: tenant.name, subject: user.username, event: "authenticator.ubc_display",
                                                         reason: reason))
        return DisplayedUBC(code: code, expiresAt: ubc.expiresAt)
    }

    /// Holds a PIN reset open for the user for the tenant's `pin_reset_minutes` (seed 004): the user, present, sets a
    /// new PIN in the app (``resetPIN(_:source:)``); the operator never sees it. Returns until when it is open.
    func openPINReset(tenant: Tenant, user: User, reason: String, caller: Principal) async throws -> Date {
        _ = try await requireApp(tenant: tenant, user: user)
        let settings = try await settings(tenant.id)
        let until = clock.now().addingTimeInterval(TimeInterval(settings.pinResetMinutes) * 60)
        try await storage.putPINReset(AuthenticatorPINReset(tenantID: tenant.id, userID: user.id, openedBy: caller.actor, openUntil: until),
                                      audit: admin.audit(caller, tenant: tenant.name, subject: user.username, event: "authenticator.pin_reset_open",
                                                         reason: reason))
        return until
    }
}
