import Foundation

/// The single-use grant of a verified flow, claimed for one action: the one place that marks a grant used, gives it
/// back, and records the outcome (actions never touch the flow's grants themselves).
///
/// The grant is claimed (a compare-and-set on the flow) before anything changes, so of concurrent requests exactly
/// one acts; when the action is then refused (a directory policy) or fails (directory down), the grant is given back,
/// so the user can try again with what the message says.
public struct ActionGrantClaim: Sendable {
    /// The context with the flow as the claim stored it.
    let ctx: ActionContext

    /// Runs the action's change; when it throws, gives the grant back, audits why and throws the mapped error
    /// (a directory refusal: 400 with its catalog text; the directory unreachable: 503).
    public func attempt<T: Sendable>(_ change: () async throws -> T) async throws -> T {
        do {
            return try await change()
        } catch {
            throw try await giveBack(error)
        }
    }

    /// Gives the grant back after the action failed, audits why, and returns the error for the caller.
    func giveBack(_ error: any Error) async throws -> LifelineError {
        let (reason, mapped): (String, LifelineError)
        switch error {
        case let r as DirectoryRefusal:
            reason = "directory refused: \(r.rawValue)"
            mapped = LifelineError(.invalidRequest, "the directory refused the change", details: [ctx.detail("directory.\(r.rawValue)")])
        case let u as DirectoryUnavailable:
            reason = "directory unavailable: \(u.description)"
            mapped = LifelineError(.unavailable, "the directory cannot be reached; try again later", details: [ctx.detail("directory.unavailable")])
        case let e as LifelineError:
            reason = e.message; mapped = e
        default:
            reason = "failed: \(type(of: error))"
            mapped = LifelineError(.unavailable, "the action failed; try again later")
        }
        let action = ctx.action
        try await ctx.service.updateFlowRetrying(ctx.flow.id, audit: [ctx.audit(mapped.code == .unavailable ? "failed" : "refused", reason)]) { flow in
            if let i = flow.grants.firstIndex(where: { $0.action == action }) { flow.grants[i].usedAt = nil }
        }
        return mapped
    }

    /// Records success: the audit record (`reason`, else the action id), a notice for the flow page (`notice`, a
    /// catalog id), and when `notify` is set (for account changes; `message.action_body.<notify>`) a notification to
    /// every verified contact of the user, in their language — so a takeover does not go unnoticed.
    public func finish(notice: String? = nil, notify: String? = nil, reason: String? = nil) async throws {
        let service = ctx.service
        var outbox: [OutboxMessage] = []
        if let notify, let profile = ctx.flow.profile {
            let lang = ctx.flow.language
            let args = ["tenant": ctx.tenant.displayName, "time": TimeText.format(ctx.now, config: ctx.config, language: lang),
                        "action": service.catalog.text("action.\(ctx.action.rawValue)", lang)]
            for phone in profile.phones {
                outbox.append(try await service.message(channel: .sms, recipient: phone, subject: "", text: service.messages.text("message.action_sms", lang, args),
                                                        status: .pending, tenant: ctx.tenant, now: ctx.now))
            }
            for email in profile.emails {
                outbox.append(try await service.message(channel: .email, recipient: email, subject: service.messages.text("message.action_subject", lang, args),
                                                        text: service.messages.text("message.action_body.\(notify)", lang, args), status: .pending,
                                                        tenant: ctx.tenant, now: ctx.now))
            }
        }
        try await service.updateFlowRetrying(ctx.flow.id, outbox: outbox, audit: [ctx.audit("success", reason ?? ctx.action.rawValue)]) { flow in
            flow.notices = notice.map { [FlowNotice($0, .info)] } ?? []
        }
        if !outbox.isEmpty { service.onQueued() }
    }
}

extension ActionContext {
    /// Marks the grant used (compare-and-set) with an "attempt" audit record and `counters` (checked atomically in the
    /// same write: a ``CounterLimitReached`` is thrown as is, nothing claimed).
    public func claim(counters: [CounterIncrement] = [], reason: String = "grant claimed") async throws -> ActionGrantClaim {
        let profile = RecoveryProfile(userID: flow.userID, phones: [], emails: [], answeredQuestions: [], hasTOTP: false, decoyPhones: [], decoyEmails: [])
        var machine = FlowStateMachine(config: config, profile: profile, flow: flow)
        guard machine.useGrant(action, now: now) else { throw LifelineError(.actionUnavailable, "this flow does not (or no longer) allow this action") }
        var claimed = machine.flow
        claimed.notices = []
        guard try await storage.updateFlow(claimed, outbox: [], audit: [audit("attempt", reason)], counters: counters) else {
            throw LifelineError(.conflict, "the flow was changed by another request; reload it")
        }
        var next = self
        next.flow = claimed
        next.flow.version += 1
        return ActionGrantClaim(ctx: next)
    }
}

extension RecoveryService {
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
