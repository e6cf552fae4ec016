import Foundation

/// What the user typed for a recovery action.
public enum ActionInput: Sendable, Equatable {
    case none
    /// reset-password: the new password, twice.
    case password(new: String, confirmation: String)
    /// card-unblock: the card serial and the challenge the card tool shows.
    case card(serial: String, challenge: String)
}

/// The result of a recovery action started from a verified flow.
public enum ActionOutcome: Sendable, Equatable {
    /// Send the browser (or tell the client to go) to this URL.
    case redirect(String)
    /// The directory accepted the new password.
    case passwordReset
    /// The account's lockout was cleared.
    case unlocked
    /// unlock-authenticator: the lock, throttle and fail count of the user's OTP tokens were cleared.
    case authenticatorUnlocked
    /// card-unblock: the response cryptogram for the card tool, in the format the challenge was typed in
    /// (`hex` or `decimal`, grouped for reading out).
    case cardResponse(serial: String, cryptogram: String, format: String)
    /// emergency-code: the code, shown once, and its limits.
    case emergencyCode(code: String, expiresAt: Date?, maxUses: Int?)
}

extension RecoveryService {
    /// Performs `action` with a verified flow's single-use grant.
    ///
    /// The grant is claimed (a compare-and-set on the flow) before anything changes, so of concurrent requests
    /// exactly one acts; when the action is then refused (a directory policy) or fails (directory down), the
    /// grant is given back, so the user can try again with what the message says. Checks that need no directory
    /// (password rules, confirmation, challenge check digits) run before the claim and cost nothing.
    public func useAction(flowID: UUID, action name: String, input: ActionInput = .none, source: String) async throws -> ActionOutcome {
        guard let action = RecoveryAction(rawValue: name) else { throw LifelineError(.notFound, "no such action") }
        let flow = try await load(flowID)
        let now = clock.now()
        let (tenant, config) = try await tenantConfig(flow.tenant)
        let ctx = ActionContext(flow: flow, tenant: tenant, config: config, action: action, now: now, source: source)
        guard flow.phase == .verified, let userID = flow.userID,
              let grant = flow.grants.first(where: { $0.action == action }), grant.usedAt == nil, grant.expiresAt > now else {
            try await storage.append(ctx.audit("refused", "no usable grant"))
            throw LifelineError(.actionUnavailable, "this flow does not (or no longer) allow this action")
        }
        // Why again at use: a configuration stored before the assurance rules (or changed since the flow started)
        // must not let a flow of one factor use an action that needs two.
        let stepTypes = flow.definitionID.flatMap(config.flow)?.steps.compactMap { config.method($0)?.type } ?? []
        guard !stepTypes.isEmpty, ActionAssurance.reached(by: stepTypes) >= action.assurance else {
            try await storage.append(ctx.audit("refused", "the flow's steps fall short of the action's assurance (\(action.assurance.rawValue))"))
            throw LifelineError(.actionUnavailable, "this flow does not (or no longer) allow this action")
        }
        // Why re-checked: a user disabled by an administrator after verifying must not still act.
        guard let user = try await storage.user(id: userID), user.status == .active else {
            try await storage.append(ctx.audit("refused", "user no longer active"))
            throw LifelineError(.actionUnavailable, "this action is not available")
        }
        switch action {
        case .selfservice:
            guard let url = config.selfserviceURL else { throw LifelineError(.actionUnavailable, "this action is not available") }
            _ = try await claim(ctx)
            try await finish(ctx, notice: nil, notify: nil)
            return .redirect(url)
        case .resetPassword:
            return try await resetPassword(ctx, user: user, input: input)
        case .unlockAccount:
            return try await unlockAccount(ctx, user: user)
        case .cardUnblock:
            return try await cardUnblock(ctx, input: input, userID: userID)
        case .emergencyCode:
            return try await emergencyCode(ctx, user: user)
        case .unlockAuthenticator:
            return try await unlockAuthenticator(ctx, user: user)
        }
    }

    /// What each step of an action needs to know.
    struct ActionContext {
        var flow: RecoveryFlow
        let tenant: Tenant
        let config: RecoveryConfig
        let action: RecoveryAction
        let now: Date
        let source: String

        func audit(_ outcome: String, _ reason: String) -> AuditRecord {
            AuditRecord(time: now, tenant: tenant.name, actor: "anonymous", subject: flow.username, event: "recovery.\(action.rawValue)",
                        outcome: outcome, reason: reason, source: source)
        }

        /// A translated detail of a refusal.
        func detail(_ catalog: Catalog, _ id: String, _ args: [String: String] = [:]) -> FlowText {
            FlowText(id: id, text: catalog.text(id, flow.language, args))
        }
    }

    // MARK: grants

    /// Marks the grant used (compare-and-set) with an "attempt" audit record; returns the context of the stored flow.
    func claim(_ ctx: ActionContext, counters: [CounterIncrement] = [], reason: String = "grant claimed") async throws -> ActionContext {
        let profile = RecoveryProfile(userID: ctx.flow.userID, phones: [], emails: [], answeredQuestions: [], hasTOTP: false, decoyPhones: [], decoyEmails: [])
        var machine = FlowStateMachine(config: ctx.config, profile: profile, flow: ctx.flow)
        guard machine.useGrant(ctx.action, now: ctx.now) else { throw LifelineError(.actionUnavailable, "this flow does not (or no longer) allow this action") }
        var claimed = machine.flow
        claimed.notices = []
        guard try await storage.updateFlow(claimed, outbox: [], audit: [ctx.audit("attempt", reason)], counters: counters) else {
            throw LifelineError(.conflict, "the flow was changed by another request; reload it")
        }
        var next = ctx
        next.flow = claimed
        next.flow.version += 1
        return next
    }

    /// Gives a claimed grant back after the action failed, audits why, and returns the error for the caller.
    func giveBack(_ ctx: ActionContext, _ error: any Error) async throws -> LifelineError {
        let (reason, mapped): (String, LifelineError)
        switch error {
        case let r as DirectoryRefusal:
            reason = "directory refused: \(r.rawValue)"
            mapped = LifelineError(.invalidRequest, "the directory refused the change", details: [ctx.detail(catalog, "directory.\(r.rawValue)")])
        case let u as DirectoryUnavailable:
            reason = "directory unavailable: \(u.description)"
            mapped = LifelineError(.unavailable, "the directory cannot be reached; try again later", details: [ctx.detail(catalog, "directory.unavailable")])
        case let e as LifelineError:
            reason = e.message; mapped = e
        default:
            reason = "failed: \(type(of: error))"
            mapped = LifelineError(.unavailable, "the action failed; try again later")
        }
        try await updateFlowRetrying(ctx.flow.id, audit: [ctx.audit(mapped.code == .unavailable ? "failed" : "refused", reason)]) { flow in
            if let i = flow.grants.firstIndex(where: { $0.action == ctx.action }) { flow.grants[i].usedAt = nil }
        }
        return mapped
    }

    /// Records success: the audit record, a notice for the flow page, and (for account changes) a notification
    /// to every verified contact of the user, in their language — so a takeover does not go unnoticed.
    func finish(_ ctx: ActionContext, notice: String?, notify: String?, reason: String? = nil) async throws {
        var outbox: [OutboxMessage] = []
        if let notify, let profile = ctx.flow.profile {
            let lang = ctx.flow.language
            let args = ["tenant": ctx.tenant.displayName, "time": ISO8601DateFormatter().string(from: ctx.now),
                        "action": catalog.text("action.\(ctx.action.rawValue)", lang)]
            for phone in profile.phones {
                outbox.append(try await message(channel: .sms, recipient: phone, subject: "", text: messages.text("message.action_sms", lang, args),
                                                status: .pending, tenant: ctx.tenant, now: ctx.now))
            }
            for email in profile.emails {
                outbox.append(try await message(channel: .email, recipient: email, subject: messages.text("message.action_subject", lang, args),
                                                text: messages.text("message.action_body.\(notify)", lang, args), status: .pending, tenant: ctx.tenant, now: ctx.now))
            }
        }
        try await updateFlowRetrying(ctx.flow.id, outbox: outbox, audit: [ctx.audit("success", reason ?? ctx.action.rawValue)]) { flow in
            flow.notices = notice.map { [FlowNotice($0, .info)] } ?? []
        }
        if !outbox.isEmpty { onQueued() }
    }

    /// Applies `change` to the stored flow with its writes, re-reading and retrying when a concurrent request
    /// changed the flow in between (the writes must not be lost because a page was reloaded meanwhile).
    func updateFlowRetrying(_ id: UUID, outbox: [OutboxMessage] = [], audit: [AuditRecord], counters: [CounterIncrement] = [],
                            _ change: (inout RecoveryFlow) -> Void) async throws {
        for _ in 0..<5 {
            var flow = try await load(id)
            change(&flow)
            if try await storage.updateFlow(flow, outbox: outbox, audit: audit, counters: counters) { return }
        }
        throw LifelineError(.conflict, "the flow was changed by another request; reload it")
    }
}

extension RecoveryService {
    /// The granted actions the user's current state rules out, with the catalog id of the reason: no account in
    /// the directory, an account that is not locked (unlock is offered only when it is), no card registered, an
    /// authenticator with nothing to unlock.
    /// Only for verified flows (decoy flows never get here), so it reveals nothing to the anonymous world.
    func unavailableActions(_ flow: RecoveryFlow, tenant: Tenant, config: RecoveryConfig, now: Date) async -> [RecoveryAction: String] {
        guard flow.phase == .verified, let userID = flow.userID else { return [:] }
        let open = Set(flow.grants.filter { $0.usedAt == nil && $0.expiresAt > now }.map(\.action))
        var out: [RecoveryAction: String] = [:]
        if open.contains(.cardUnblock), (try? await storage.cards(tenantID: tenant.id, userID: userID).isEmpty) ?? true {
            out[.cardUnblock] = "action.no_card"
        }
        // Offered only when there is something to unlock, like unlock-account.
        if open.contains(.unlockAuthenticator), !((try? await storage.storedTokens(userID: userID).map(\.token)).map(Self.needsUnlock) ?? false) {
            out[.unlockAuthenticator] = "action.authenticator_not_locked"
        }
        if !open.isDisjoint(with: [.resetPassword, .unlockAccount]) {
            do {
                guard let user = try await storage.user(id: userID) else { return [:] }
                let directory = try await directories.directory(tenant: tenant, settings: config.directory)
                if let account = try await directory.account(username: user.username) {
                    if !account.locked { out[.unlockAccount] = "action.not_locked" }
                } else {
                    out[.resetPassword] = "action.no_account"; out[.unlockAccount] = "action.no_account"
                }
            } catch {
                out[.resetPassword] = "directory.unavailable"; out[.unlockAccount] = "directory.unavailable"
            }
        }
        return out
    }
}

extension Optional {
    /// `map` with an async transform.
    func asyncMap<U>(_ transform: (Wrapped) async throws -> U) async rethrows -> U? {
        switch self {
        case .some(let w): return try await transform(w)
        case .none: return nil
        }
    }
}
