import Crypto
import Foundation

/// Runs verification flows: loads what a transition needs through the ports, applies ``FlowStateMachine``, and
/// stores the new flow with its outbox messages, audit records and counters in one transaction.
public struct RecoveryService: Sendable {
    let storage: any Storage
    let vault: any KeyVault
    let clock: any LifelineClock
    let random: any RandomSource
    let validation: ValidationService
    let verifier: OTPVerifier
    /// The texts of flow documents (prompts, fields, errors, action labels), handed in by the composition root.
    public let catalog: Catalog
    /// The texts of the SMS and email messages: the core's own (``MessageCatalog``).
    let messages: Catalog
    /// Called after messages were queued, so the dispatcher sends them at once.
    let onQueued: @Sendable () -> Void
    /// The tenants' account directories (reset-password, unlock-account).
    let directories: any DirectoryResolver
    /// The per-user guessing budget across flows (server configuration `recovery.budget.*`).
    public let budget: GuessBudgetPolicy
    /// Per-address and per-flow limits of the questions step (`recovery.questions.*`).
    let questionLimits: QuestionStepLimiter
    /// Where the questions step hashes answers: a fixed set of threads with a bounded queue.
    let hashPool: SlowHashPool
    /// The secret decoys and code HMACs derive from; it survives key rotation (shared by the copies of this service).
    let secrets: StableSecret
    /// The verification methods flows may use.
    let methods: MethodRegistry
    /// The recovery actions verified flows can use (``ActionRegistry/standard``; tests add their own).
    public var actions: ActionRegistry = .standard
    /// Looks a username up in the tenant's directory when a flow starts (`directory.users`); nil: never.
    public var directoryUsers: DirectoryUserService?
    /// Told of flows started, verified and failed, and of budget pauses (metrics and warnings; ``OperationsObserver``).
    public var observer: any OperationsObserver = NoOperationsObserver()

    /// `directories` nil: the built-in directory only.
    public init(storage: any Storage, vault: any KeyVault, clock: any LifelineClock, random: any RandomSource,
                validation: ValidationService, policy: OTPPolicy, catalog: Catalog, messages: Catalog = MessageCatalog.catalog, directories: (any DirectoryResolver)? = nil,
                budget: GuessBudgetPolicy = GuessBudgetPolicy(), questions: QuestionStepPolicy = QuestionStepPolicy(),
                hashPool: SlowHashPool = .shared, methods: MethodRegistry = .standard, onQueued: @escaping @Sendable () -> Void = {}) {
        self.storage = storage; self.vault = vault; self.clock = clock; self.random = random; self.validation = validation
        self.verifier = OTPVerifier(policy: policy); self.catalog = catalog; self.messages = messages; self.onQueued = onQueued; self.budget = budget
        self.directories = directories ?? BuiltinDirectoryResolver(storage: storage, random: random, clock: clock)
        self.questionLimits = QuestionStepLimiter(policy: questions, clock: clock); self.hashPool = hashPool
        self.secrets = StableSecret(store: storage, vault: vault, random: random)
        self.methods = methods
    }

    /// Starts a flow for `username`. An unknown or disabled user gets a decoy flow that looks the same.
    /// `budgetPass` is a token from an earlier verified flow of this client (``FlowDocument/budgetPass``): for the same
    /// username it gives the flow that client's own guessing budget. Throws `notFound` for an unknown tenant or one
    /// without recovery flows (tenants are not secret), `rateLimited` while the budget is paused.
    public func createFlow(tenantName: String, username: String, language: String?, source: String, budgetPass: String? = nil) async throws -> FlowDocument {
        let username = try Validation.username(username)
        let lang = catalog.resolve(language)
        let (tenant, config) = try await tenantConfig(tenantName)
        let now = clock.now()
        let usernameKey = Validation.usernameKey(username)
        let scope = try await budgetScope(pass: budgetPass, tenant: tenant, usernameKey: usernameKey, now: now)
        // Why keyed by username, not user id: unknown usernames must be paused exactly like real ones.
        let budgetKey = GuessBudgetKey(tenantID: tenant.id, usernameKey: usernameKey, scope: scope ?? "user")
        if let wait = try await storage.guessBudgets(tenantID: tenant.id, usernameKey: usernameKey)
            .first(where: { $0.scope == budgetKey.scope })?.pausedUntil?.wholeSeconds(after: now), wait > 0 {
            try await storage.append(AuditRecord(time: now, tenant: tenant.name, actor: "anonymous", subject: username,
                                                 event: "recovery.start", outcome: "refused", reason: "guessing budget paused", source: source))
            observer.observe(.limit(.recoveryPaused, tenant: tenant.name, subject: nil, until: now.addingTimeInterval(Double(wait))))
            throw Self.paused(now.addingTimeInterval(Double(wait)), now: now)
        }
        // The same for every username, found or not, and never an error (DirectoryUserService.lookUp says why).
        await directoryUsers?.lookUp(tenant: tenant, config: config, username: username)
        let profile = try await loadProfile(tenant: tenant, usernameKey: usernameKey, config: config)
        var flow = RecoveryFlow(id: random.uuid(), tenantID: tenant.id, tenant: tenant.name, username: username, userID: profile.userID,
                                language: lang, createdAt: now, expiresAt: now.addingTimeInterval(TimeInterval(config.limits.flowLifetime)))
        flow.profile = profile
        flow.budgetScope = scope
        var machine = FlowStateMachine(config: config, profile: profile, flow: flow, methods: methods, actions: actions)
        // Starting never sends (at most it enters the first step), so the hourly send count is not needed.
        let inputs = try await inputs(now: now, tenant: tenant, usernameKey: usernameKey, needsSendCount: false)
        let effects = machine.start(inputs)
        let written = try await perform(effects, flow: machine.flow, profile: profile, tenant: tenant, config: config, usernameKey: usernameKey,
                                        now: now, source: source)
        try await storage.insertFlow(machine.flow, outbox: written.outbox, audit: written.audit, counters: written.counters)
        if written.queued { onQueued() }
        observer.observe(.flow(.started, tenant: tenant.name))
        return FlowDocument(flow: machine.flow, config: config, catalog: catalog, now: now, methods: methods)
    }

    /// The current document of a flow. Throws `notFound` for an unknown id.
    public func document(flowID: UUID, language: String? = nil) async throws -> FlowDocument {
        var flow = try await load(flowID)
        if let language { flow.language = catalog.resolve(language) }
        let (tenant, config) = try await tenantConfig(flow.tenant)
        let now = clock.now()
        return FlowDocument(flow: flow, config: config, catalog: catalog, now: now,
                            unavailable: await unavailableActions(flow, tenant: tenant, config: config, now: now), methods: methods)
    }

    /// Submits the fields of the current step. Throws `expired` for an expired flow, `conflict` when a
    /// concurrent submission changed the flow first, `invalidRequest` for missing fields.
    public func submit(flowID: UUID, fields: [String: String], language: String? = nil, source: String) async throws -> FlowDocument {
        var flow = try await load(flowID)
        if let language { flow.language = catalog.resolve(language) }
        let now = clock.now()
        guard !flow.isExpired(at: now) else { throw LifelineError(.expired, "this recovery flow has expired; start a new one") }
        // A client may say which step it answers (`state`, `step`); a late duplicate of an earlier step's submission
        // must not be taken as an answer to the next step (an SMS code counted as a wrong authenticator code).
        if let expected = fields["state"], expected != flow.phase.rawValue {
            throw LifelineError(.conflict, "the flow has moved on; reload it")
        }
        if let expected = fields["step"], expected != String(flow.stepIndex + 1) {
            throw LifelineError(.conflict, "the flow has moved on; reload it")
        }
        let (tenant, config) = try await tenantConfig(flow.tenant)
        let usernameKey = Validation.usernameKey(flow.username)
        var profile: RecoveryProfile
        if let snapshot = flow.profile { profile = snapshot } else {
            profile = try await loadProfile(tenant: tenant, usernameKey: usernameKey, config: config)
        }
        // The flow keeps the identity it started with: a user created or re-enabled mid-flow does not turn a decoy real.
        if profile.userID != flow.userID { profile.userID = nil }
        // Every guess is charged to the user's budget before it is checked, and refunded unless it was wrong: so the
        // budget holds under any number of concurrent submissions, and a paused budget refuses unchecked.
        // Before the charge: a submission refused here is neither hashed nor counted as a guess.
        let method = flow.step.flatMap { methods.method($0.type) }
        if method?.limitsSubmissionRate == true { try questionLimits.admit(flow: flow.id, source: source) }
        let isGuess = method?.isGuess(flow.phase, fields: fields) ?? false
        let charge = isGuess ? try await chargeGuess(flow, tenant: tenant, usernameKey: usernameKey, now: now, source: source) : nil
        let stored: RecoveryFlow
        var pass: String?
        // Whether the charge was taken back with the flow's write (so the error path must not refund it twice).
        var refunded = false
        do {
            let event = try await event(for: flow, fields: fields, profile: profile, tenant: tenant, config: config, source: source)
            // Read by phase, never by user, so real and decoy flows do the same work.
            var inputs = try await inputs(now: now, tenant: tenant, usernameKey: usernameKey,
                                          needsSendCount: method?.maySend(flow.phase) ?? false)
            var machine = FlowStateMachine(config: config, profile: profile, flow: flow, methods: methods, actions: actions)
            var effects = machine.handle(event, inputs)
            if let charge, effects.contains(.wrongAnswer), charge.notifies, let until = charge.after.pausedUntil {
                effects.append(.notifyPaused(until: until))
            }
            var written = try await perform(effects, flow: machine.flow, profile: profile, tenant: tenant, config: config, usernameKey: usernameKey,
                                            now: now, source: source)
            // A right (or unchecked) answer's charge is taken back in the flow's own transaction: one write fewer.
            var refund = effects.contains(.wrongAnswer) ? nil : charge
            do {
                guard try await storage.updateFlow(machine.flow, outbox: written.outbox, audit: written.audit, counters: written.counters,
                                                   refund: refund) else {
                    throw LifelineError(.conflict, "the flow was changed by another request; reload it")
                }
            } catch is CounterLimitReached {
                // A concurrent request took the user's last send of the hour between our read and our write: the
                // same transition again as at the limit (it refuses the send), so at most the limit is ever sent.
                inputs.sendsThisHour = Int.max
                machine = FlowStateMachine(config: config, profile: profile, flow: flow, methods: methods, actions: actions)
                effects = machine.handle(event, inputs)
                written = try await perform(effects, flow: machine.flow, profile: profile, tenant: tenant, config: config, usernameKey: usernameKey,
                                            now: now, source: source)
                refund = effects.contains(.wrongAnswer) ? nil : charge
                guard try await storage.updateFlow(machine.flow, outbox: written.outbox, audit: written.audit, counters: written.counters,
                                                   refund: refund) else {
                    throw LifelineError(.conflict, "the flow was changed by another request; reload it")
                }
            }
            refunded = refund != nil
            if written.queued { onQueued() }
            observeSubmission(before: flow, after: machine.flow, charge: refund == nil ? charge : nil, tenant: tenant)
            var next = machine.flow
            next.version += 1
            stored = next
            if effects.contains(.notifyVerified), stored.userID != nil { pass = try await issuePass(tenant: tenant, usernameKey: usernameKey, now: now) }
        } catch {
            if let charge, !refunded { try? await storage.refundGuess(charge) }
            throw error
        }
        var doc = FlowDocument(flow: stored, config: config, catalog: catalog, now: now,
                               unavailable: await unavailableActions(stored, tenant: tenant, config: config, now: now), methods: methods)
        doc.budgetPass = pass
        return doc
    }

    // MARK: loading

    func load(_ id: UUID) async throws -> RecoveryFlow {
        guard let flow = try await storage.flow(id: id) else { throw LifelineError(.notFound, "no such recovery flow") }
        return flow
    }

    func tenantConfig(_ name: String) async throws -> (Tenant, RecoveryConfig) {
        guard let tenant = try await storage.tenant(named: name), let config = try await storage.recoveryConfig(tenantID: tenant.id),
              !config.flows.isEmpty else {
            throw LifelineError(.notFound, "no recovery is configured for this organization")
        }
        return (tenant, config)
    }

    /// The profile of a user; for an unknown or disabled user the profile is a decoy. One query either way, with one
    /// row either way, so both cost the same. The decoys are computed for every profile (a real user without a number
    /// is shown decoy numbers), from the tenant's statistics, which the store caches for minutes: the same work for a
    /// real and an unknown username.
    func loadProfile(tenant: Tenant, usernameKey: String, config: RecoveryConfig) async throws -> RecoveryProfile {
        let subject = try await storage.recoverySubject(tenantID: tenant.id, usernameKey: usernameKey)
        let active = subject.userID != nil && subject.active
        let distribution = DecoyDistribution(try await storage.recoveryStatistics(tenantID: tenant.id), config: config)
        // Why the stable secret and not the key-encryption key: see ``StableSecret`` (a rotation must not change decoys).
        let decoys = RecoveryProfile.decoys(secret: try await secrets.key(.decoy), tenantID: tenant.id, usernameKey: usernameKey,
                                            config: config, distribution: distribution)
        // Why only verified contacts (the store returns no others): an unverified number may be the attacker's own,
        // added by a compromised account.
        return RecoveryProfile(userID: active ? subject.userID : nil,
                               phones: active ? subject.verifiedPhones : [], emails: active ? subject.verifiedEmails : [],
                               answeredQuestions: active ? subject.answeredQuestions : [], hasTOTP: active && subject.hasActiveTOTP,
                               decoyPhones: decoys.phones, decoyEmails: decoys.emails, decoyQuestions: decoys.questions)
    }

    func inputs(now: Date, tenant: Tenant, usernameKey: String, needsSendCount: Bool) async throws -> FlowInputs {
        let sends = needsSendCount ? try await storage.counter(Self.sendKey(tenant.id, usernameKey, now)).count : 0
        // Why the stable secret: a code sent before `lifeline keys rotate` must still match after it.
        return FlowInputs(now: now, freshCode: random.string(length: 8, alphabet: Array("0123456789")), random: random.bytes(32),
                          codeKey: try await secrets.key(.code), sendsThisHour: sends)
    }

    static func sendKey(_ tenant: UUID, _ usernameKey: String, _ now: Date) -> String {
        "sends:\(tenant.uuidString.lowercased()):\(Int(now.timeIntervalSince1970) / 3600):\(usernameKey)"
    }
}
