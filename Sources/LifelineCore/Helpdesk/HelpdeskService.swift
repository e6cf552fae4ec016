import Foundation

/// The helpdesk actions of issue 15: each takes a required reason, may need a verified caller or a second operator
/// (the tenant's `helpdesk:` settings), runs through ``AdminService``'s use case for the change, and is audited as
/// `helpdesk.<action>` (actor: the operator; reason: the ticket) and notified to the user's verified contacts.
public struct HelpdeskService: Sendable {
    /// The users and their contacts, tokens, the emergency code, the tenant's configuration (the settings), the
    /// helpdesk's own records, the transaction port (the helpdesk record with its notices), and the Authenticator's
    /// (``AuthenticatorService/Storage``: pin_block, ubc_display, pin_reset_present).
    public typealias Storage = TenantStore & UserStore & TokenStore & RecoveryStore & EmergencyCodeStore & HelpdeskStore & TransactionStore
        & AuthenticatorService.Storage

    let admin: AdminService
    let storage: any Storage
    let onQueued: @Sendable () -> Void

    var clock: any LifelineClock { admin.clock }
    var authorizer: Authorizer { admin.authorizer }
    var notices: HelpdeskNotices { HelpdeskNotices(vault: admin.vault) }
    /// The Authenticator's use cases for `pin_block`, `ubc_display` and `pin_reset_present`.
    var authenticator: AuthenticatorService { AuthenticatorService(admin: admin, storage: storage, onQueued: onQueued) }

    /// `onQueued`: wakes the outbox dispatcher after messages were queued.
    public init(admin: AdminService, storage: any Storage, onQueued: @escaping @Sendable () -> Void = {}) {
        self.admin = admin; self.storage = storage; self.onQueued = onQueued
    }

    /// A service that wakes the outbox dispatcher as `recovery` does (the one signal the composition root wired).
    public init(admin: AdminService, storage: any Storage, wakingLike recovery: RecoveryService) {
        self.init(admin: admin, storage: storage, onQueued: recovery.onQueued)
    }

    /// The tenant's helpdesk settings (defaults when it has no configuration).
    func settings(_ tenant: Tenant) async throws -> HelpdeskSettings {
        try await storage.recoveryConfig(tenantID: tenant.id)?.helpdesk ?? HelpdeskSettings()
    }

    /// The helpdesk settings of a tenant, for the console's forms.
    public func settings(tenantName: String, caller: Principal) async throws -> HelpdeskSettings {
        try authorizer.require(.usersRead, caller)
        return try await settings(try await admin.tenant(tenantName, caller: caller))
    }

    /// Runs `request` on the user, or stores it for a second operator when the tenant's `four_eyes` names the action.
    ///
    /// Throws `invalidRequest` for a missing or bad reason or parameter, `forbidden` when the caller lacks the
    /// action's permission or, where the tenant requires it, has not verified the caller within 15 minutes.
    public func perform(tenantName: String, username: String, _ request: HelpdeskRequest, caller: Principal) async throws -> HelpdeskOutcome {
        var request = request
        request.reason = try HelpdeskReason.validate(request.reason)
        try authorizer.require(request.action.permission, caller)
        let (tenant, user) = try await admin.user(tenantName: tenantName, username: username, caller: caller)
        let settings = try await settings(tenant)
        try await check(request, user: user, tenant: tenant, settings: settings)
        // Why per operator and user: the operator who heard the caller read the code back is the one who knows who is
        // on the line; a colleague's verification says nothing about this call.
        // Why pin_reset_present always: seed 004's reset is "the operator verifies the caller" — it lets whoever holds
        // the phone set a PIN with no UBC, so it must never rest on the voice on the line alone.
        if settings.requireCallerVerification.contains(request.action) || request.action == .pinResetPresent {
            let verification = try await storage.callerVerification(actor: caller.actor, userID: user.id)
            guard verification?.isVerified(at: clock.now()) == true else {
                throw LifelineError(.forbidden, "this tenant requires a verified caller for \(request.action.rawValue): verify the caller first")
            }
        }
        if settings.fourEyes.contains(request.action) {
            return .pending(try await requestApproval(request, tenant: tenant, user: user, caller: caller))
        }
        return .done(try await execute(request, tenant: tenant, user: user, caller: caller, note: nil))
    }

    /// Refuses a request whose parameters do not fit the action or the user, before anything is stored.
    private func check(_ request: HelpdeskRequest, user: User, tenant: Tenant, settings: HelpdeskSettings) async throws {
        if request.action.needsToken {
            guard let id = request.tokenID else { throw LifelineError(.invalidRequest, "token_id is required for \(request.action.rawValue)") }
            // Why the owner is checked: the route names a user; a token of another user must not be changed under
            // this user's ticket (nor notified to the wrong person).
            guard let stored = try await storage.storedToken(id: id, tenantID: tenant.id), stored.token.userID == user.id else {
                throw LifelineError(.notFound, "this user has no such token")
            }
        }
        if [.pinBlock, .ubcDisplay, .pinResetPresent].contains(request.action) {
            _ = try await authenticator.requireApp(tenant: tenant, user: user)
        }
        if request.action == .tokenResync {
            _ = try Validation.otpCode(request.code1 ?? ""); _ = try Validation.otpCode(request.code2 ?? "")
        }
        if request.action == .helpdeskCode {
            _ = try settings.emergencyCode.template(uses: request.uses, minutes: request.lifetimeMinutes)
            guard user.status == .active else { throw LifelineError(.invalidRequest, "the user is not active") }
            if settings.emergencyCode.delivery == .send {
                _ = try await verifiedContact(request.contactID, of: user)
            }
        }
    }

    /// The user's verified contact `id`. Why verified only: a code sent to an unverified address may reach whoever
    /// typed it in.
    func verifiedContact(_ id: UUID?, of user: User) async throws -> Contact {
        guard let id else { throw LifelineError(.invalidRequest, "contact_id (one of the user's verified contacts) is required") }
        guard let contact = try await storage.contacts(userID: user.id).first(where: { $0.id == id && $0.verified }) else {
            throw LifelineError(.invalidRequest, "contact_id is not a verified contact of this user")
        }
        return contact
    }

    /// Runs the action through ``AdminService`` as `caller`, then writes the helpdesk record (with the reason, and
    /// `note` for an approved request) and queues the notices in one transaction.
    func execute(_ request: HelpdeskRequest, tenant: Tenant, user: User, caller: Principal, note: String?) async throws -> HelpdeskResult {
        var result = HelpdeskResult(action: request.action, tenant: tenant.name, username: user.username, summary: "")
        var extra: [OutboxMessage] = []
        switch request.action {
        case .tokenReset, .tokenDisable, .tokenEnable:
            let change: AdminService.TokenStateChange = request.action == .tokenReset ? .reset : request.action == .tokenDisable ? .disable : .enable
            result.token = try await admin.changeTokenState(tenantName: tenant.name, id: request.tokenID!, change, caller: caller)
            result.summary = "token \(result.token?.state.rawValue ?? "")"
        case .tokenResync:
            result.token = try await admin.resyncToken(tenantName: tenant.name, id: request.tokenID!, code1: request.code1 ?? "",
                                                       code2: request.code2 ?? "", caller: caller)
            result.summary = "token resynchronised"
        case .emergencyCodeRevoke:
            result.emergencyCode = try await admin.revokeEmergencyCode(tenantName: tenant.name, username: user.username, caller: caller).1
            result.summary = "emergency code \(result.emergencyCode?.status.rawValue ?? "")"
        case .budgetLift:
            result.budgetsCleared = try await admin.liftGuessBudgets(tenantName: tenant.name, username: user.username, caller: caller)
            result.summary = "\(result.budgetsCleared ?? 0) budget(s) lifted"
        case .helpdeskCode:
            let (code, message) = try await issueCode(request, tenant: tenant, user: user, caller: caller)
            result.code = code
            extra += message.map { [$0] } ?? []
            result.summary = "code issued (\(code.delivery.rawValue))"
        case .pinBlock:
            try await authenticator.blockPIN(tenant: tenant, user: user, reason: request.reason, caller: caller)
            result.summary = "PIN blocked at this organization"
        case .ubcDisplay:
            result.ubc = try await authenticator.displayUBC(tenant: tenant, user: user, reason: request.reason, caller: caller)
            result.summary = "unblocking code displayed"
        case .pinResetPresent:
            result.pinResetOpenUntil = try await authenticator.openPINReset(tenant: tenant, user: user, reason: request.reason, caller: caller)
            result.summary = "PIN reset open"
        }
        let record = AuditRecord(time: clock.now(), tenant: tenant.name, actor: caller.actor, subject: user.username, event: request.action.auditEvent,
                                 outcome: "success", reason: note.map { "\(request.reason) (\($0))" } ?? request.reason, source: caller.source)
        let contacts = try await storage.contacts(userID: user.id)
        let outbox = extra + (try await notices.actionNotices(request.action, user: user, tenant: tenant, contacts: contacts, now: record.time))
        try await storage.transaction { tx in
            for m in outbox { tx.queue(m) }
            tx.append(record)
        }
        if !outbox.isEmpty { onQueued() }
        return result
    }
}
