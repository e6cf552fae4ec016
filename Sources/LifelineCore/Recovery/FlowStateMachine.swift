import Crypto
import Foundation

/// What happened in a flow, as the runner observed it. Checks that need storage or slow hashing (a TOTP code,
/// security answers) are done by the runner, which passes their outcome.
public enum FlowEvent: Sendable, Equatable {
    case chooseFlow(String)
    case chooseContact(index: Int, typed: String)
    case submitCode(String)
    case resend
    case answers(correct: Bool)
    case totp(TOTPStepOutcome)
    /// The user's authenticator is locked (`until` nil) or throttled until then: the code was not checked.
    case totpUnavailable(until: Date?)
    case totpResync(ok: Bool)
}

/// The outcome of checking an authenticator code for a flow.
public enum TOTPStepOutcome: String, Sendable, Equatable { case accepted, resyncNeeded, rejected }

/// What the runner must do after a transition, in the same transaction as storing the flow.
public enum FlowEffect: Sendable, Equatable {
    /// Send `code` over `channel` to `recipient` (through the outbox).
    case send(channel: MessageChannel, recipient: String, code: String, lifetime: Int)
    /// A decoy flow "sends": the runner writes a suppressed outbox row, so the work and timing match a real send.
    case pretendSend(channel: MessageChannel)
    /// Count one send against the user's hourly limit.
    case countSend
    /// The submission was a wrong answer (code, authenticator code, answers, typed contact, resync): the runner keeps
    /// the guess it charged to the user's budget before the check (``GuessBudgetState``); without it the charge is
    /// refunded.
    case wrongAnswer
    /// Tell the user on every verified contact that recovery is paused for their account until `until`.
    case notifyPaused(until: Date)
    case audit(event: String, outcome: String, reason: String)
    /// Tell the user on every enrolled contact that their identity was verified for recovery (so a takeover by
    /// someone who passed the steps does not go unnoticed).
    case notifyVerified
}

/// Everything random or time-dependent a transition may use, so the machine stays pure.
public struct FlowInputs: Sendable {
    public var now: Date
    /// Eight CSPRNG digits; a sent code is their prefix.
    public var freshCode: String
    /// CSPRNG bytes for picking questions.
    public var random: [UInt8]
    /// The key of the code HMACs (from ``StableSecret``, so a code sent before a key rotation still matches after it).
    public var codeKey: SymmetricKey
    /// Codes already sent to this user in the current hour.
    public var sendsThisHour: Int

    public init(now: Date, freshCode: String, random: [UInt8], codeKey: SymmetricKey, sendsThisHour: Int) {
        self.now = now; self.freshCode = freshCode; self.random = random; self.codeKey = codeKey; self.sendsThisHour = sendsThisHour
    }
}

/// The verification flow as a pure state machine: `flow` + event → new `flow` + effects.
///
/// Anti-enumeration is explicit: a step whose data is missing (or every step of an unknown user's flow) is
/// entered with `decoy = true`; it shows decoy contacts or questions, answers exactly like a real step, pretends
/// to send, and can never pass.
public struct FlowStateMachine: Sendable {
    public let config: RecoveryConfig
    public let profile: RecoveryProfile
    public private(set) var flow: RecoveryFlow

    public init(config: RecoveryConfig, profile: RecoveryProfile, flow: RecoveryFlow) {
        self.config = config; self.profile = profile; self.flow = flow
    }

    /// Starts a new flow: with a single flow definition, its first step is entered at once.
    public mutating func start(_ inputs: FlowInputs) -> [FlowEffect] {
        var effects: [FlowEffect] = [.audit(event: "recovery.start", outcome: "ok", reason: profile.isDecoy ? "decoy flow" : "")]
        if config.flows.count == 1 { effects += enterFlow(config.flows[0], inputs) }
        return effects
    }

    /// Applies one event. Events that do not fit the phase change nothing and add a notice.
    public mutating func handle(_ event: FlowEvent, _ inputs: FlowInputs) -> [FlowEffect] {
        flow.notices = []
        switch (flow.phase, event) {
        case (.chooseFlow, .chooseFlow(let id)):
            guard let def = config.flow(id) else { return notice("error.flow_unknown") }
            return enterFlow(def, inputs)
        case (.chooseContact, .chooseContact(let index, let typed)):
            return chooseContact(index: index, typed: typed, inputs)
        case (.enterCode, .submitCode(let code)):
            return submitCode(code, inputs)
        case (.enterCode, .resend):
            guard let last = flow.step?.lastSentAt, inputs.now >= last.addingTimeInterval(TimeInterval(config.limits.resendDelay)) else {
                return notice("error.resend_too_early")
            }
            return send(inputs)
        case (.answerQuestions, .answers(let correct)):
            return correct && !(flow.step?.decoy ?? true) ? pass(inputs, "questions answered") : wrong("error.answers_wrong", "wrong answers")
        case (.enterTOTP, .totp(let outcome)):
            let decoy = flow.step?.decoy ?? true
            switch outcome {
            case .accepted where !decoy: return pass(inputs, "authenticator code accepted")
            case .resyncNeeded where !decoy:
                flow.phase = .resyncTOTP
                flow.notices = [FlowNotice("info.totp_resync", .info)]
                return [.audit(event: "recovery.step", outcome: "resync_needed", reason: "authenticator drifted")]
            default: return wrong("error.code_wrong", "wrong authenticator code")
            }
        case (.enterTOTP, .totpUnavailable(let until)):
            return authenticatorUnavailable(until: until)
        case (.resyncTOTP, .totpResync(let ok)):
            return ok && !(flow.step?.decoy ?? true) ? pass(inputs, "authenticator resynchronized") : wrong("error.resync_failed", "resync failed")
        default:
            return notice("error.unexpected")
        }
    }

    /// Uses the grant for `action` once; false when there is none, it expired or it was used.
    public mutating func useGrant(_ action: RecoveryActionID, now: Date) -> Bool {
        guard flow.phase == .verified, let i = flow.grants.firstIndex(where: { $0.action == action }),
              flow.grants[i].usedAt == nil, flow.grants[i].expiresAt > now else { return false }
        flow.grants[i].usedAt = now
        return true
    }

    // MARK: transitions

    private mutating func enterFlow(_ def: FlowDefinition, _ inputs: FlowInputs) -> [FlowEffect] {
        flow.definitionID = def.id
        flow.stepIndex = 0
        return [.audit(event: "recovery.choose", outcome: "ok", reason: def.id)] + enterStep(inputs)
    }

    private mutating func enterStep(_ inputs: FlowInputs) -> [FlowEffect] {
        guard let def = flow.definitionID.flatMap(config.flow) else { return fail("configuration changed") }
        if flow.stepIndex >= def.steps.count {
            flow.phase = .verified
            flow.step = nil
            let until = inputs.now.addingTimeInterval(TimeInterval(config.limits.grantLifetime))
            // Why filtered: a configuration stored before the assurance rules must not grant more than the steps prove.
            let reached = ActionAssurance.reached(by: def.steps.compactMap { config.method($0)?.type })
            flow.grants = def.actions.filter { reached >= $0.assurance }.map { ActionGrant(action: $0, expiresAt: until) }
            // A verified flow lives as long as its grants.
            flow.expiresAt = until
            return [.audit(event: "recovery.verified", outcome: "success", reason: def.actions.map(\.rawValue).joined(separator: ",")), .notifyVerified]
        }
        guard let method = config.method(def.steps[flow.stepIndex]) else { return fail("configuration changed") }
        let decoyUser = profile.isDecoy
        var step = StepState(methodID: method.id, type: method.type, decoy: decoyUser)
        switch method.type {
        case .sms, .email:
            let real = method.type == .sms ? profile.phones : profile.emails
            let decoys = method.type == .sms ? profile.decoyPhones : profile.decoyEmails
            if decoyUser || real.isEmpty { step.decoy = true; step.contacts = decoys } else { step.contacts = real }
            flow.phase = .chooseContact
        case .questions:
            let k = method.effectiveQuestionCount
            let catalog = config.questions.map(\.id)
            let answered = catalog.filter { profile.answeredQuestions.contains($0) }
            let pool: [String]
            if decoyUser || answered.count < k { step.decoy = true; pool = decoyQuestionPool(k, catalog: catalog) } else { pool = answered }
            step.questionIDs = Self.pick(k, from: pool, random: inputs.random)
            flow.phase = .answerQuestions
        case .totp:
            if decoyUser || !profile.hasTOTP { step.decoy = true }
            flow.phase = .enterTOTP
        }
        flow.step = step
        return []
    }

    /// The questions a decoy step asks from: the username's stable decoy subset (``RecoveryProfile/decoyQuestions``).
    /// Why a stable subset and not the catalog: a real user is asked from the questions they answered, so over repeated
    /// flows the union of the questions asked stays within that set; a decoy asking from the whole catalog was told
    /// apart by that alone. Padded in catalog order when the catalog changed under it or the step asks more than it
    /// holds (so a step can always ask `k`).
    private func decoyQuestionPool(_ k: Int, catalog: [String]) -> [String] {
        guard let subset = profile.decoyQuestions.map(Set.init) else { return catalog }
        let pool = catalog.filter(subset.contains)
        return pool.count >= k ? pool : pool + catalog.filter { !subset.contains($0) }.prefix(k - pool.count)
    }

    private mutating func chooseContact(index: Int, typed: String, _ inputs: FlowInputs) -> [FlowEffect] {
        guard var step = flow.step, step.contacts.indices.contains(index) else { return notice("error.contact_unknown") }
        let normalized = step.type == .sms
            ? ContactFormat.normalizePhone(typed, defaultCountryCode: config.defaultCountryCode)
            : ContactFormat.normalizeEmail(typed)
        // Why the full number: the masked list alone must not let anyone trigger messages to the user; typing it
        // proves the person already knows it. Compared in constant time like every secret-ish value.
        let match = normalized.map { n in step.type == .sms ? ConstantTime.equals(n, step.contacts[index]) : ContactFormat.sameEmail(n, step.contacts[index]) } ?? false
        guard match else { return wrong(step.type == .sms ? "error.number_mismatch" : "error.address_mismatch", "contact did not match") }
        step.chosenContact = index
        flow.step = step
        return send(inputs)
    }

    private mutating func send(_ inputs: FlowInputs) -> [FlowEffect] {
        guard var step = flow.step, let index = step.chosenContact, let method = config.method(step.methodID) else { return notice("error.unexpected") }
        guard step.sends < config.limits.sendsPerFlow, inputs.sendsThisHour < config.limits.sendsPerUserPerHour else {
            flow.notices = [FlowNotice("error.send_limit")]
            return [.audit(event: "recovery.send", outcome: "refused", reason: "send limit reached")]
        }
        let code = String(inputs.freshCode.prefix(method.effectiveCodeLength))
        step.codeDigest = Self.digest(code, flow: flow.id, step: flow.stepIndex, key: inputs.codeKey)
        step.codeExpiresAt = inputs.now.addingTimeInterval(TimeInterval(method.effectiveCodeLifetime))
        step.lastSentAt = inputs.now
        step.sends += 1
        flow.step = step
        flow.phase = .enterCode
        flow.notices = [FlowNotice("info.code_sent", .info, args: ["contact": masked(step, index)])]
        let channel: MessageChannel = step.type == .sms ? .sms : .email
        let delivery: FlowEffect = step.decoy ? .pretendSend(channel: channel)
            : .send(channel: channel, recipient: step.contacts[index], code: code, lifetime: method.effectiveCodeLifetime)
        return [delivery, .countSend, .audit(event: "recovery.send", outcome: "ok", reason: "\(channel.rawValue) to \(masked(step, index))")]
    }

    private mutating func submitCode(_ code: String, _ inputs: FlowInputs) -> [FlowEffect] {
        guard let step = flow.step else { return notice("error.unexpected") }
        if let expires = step.codeExpiresAt, inputs.now >= expires { return notice("error.code_expired") }
        let digest = Self.digest(code, flow: flow.id, step: flow.stepIndex, key: inputs.codeKey)
        // Constant-time comparison of HMACs; the stored digest is cleared on success, so a code works once.
        let match = step.codeDigest.map { ConstantTime.equals($0, digest) } ?? false
        guard match, !step.decoy else { return wrong("error.code_wrong", "wrong code") }
        flow.step?.codeDigest = nil
        return pass(inputs, "\(step.type.rawValue) code accepted")
    }

    /// A locked or throttled authenticator. Why said only after a passed step: a token's state is the user's, so it is
    /// shown only to someone who has already proved a factor (a decoy step never passes, so a decoy flow and a flow
    /// that starts with the authenticator answer exactly like a wrong code). Not counted as a wrong submission: the code
    /// was not checked, so it was no guess. Offers the tenant's flow that can unlock the authenticator without it.
    private mutating func authenticatorUnavailable(until: Date?) -> [FlowEffect] {
        guard flow.stepIndex > 0, let step = flow.step, !step.decoy else { return wrong("error.code_wrong", "wrong authenticator code") }
        var notices = [until.map { FlowNotice("error.totp_throttled", args: ["until": Self.timeText($0)]) } ?? FlowNotice("error.totp_locked")]
        if let unlock = unlockFlow { notices.append(FlowNotice("info.unlock_authenticator", .info, args: ["flow": unlock.name(in: flow.language)])) }
        flow.notices = notices
        return [.audit(event: "recovery.step", outcome: "refused", reason: until == nil ? "authenticator locked" : "authenticator throttled")]
    }

    /// The first flow of the tenant that grants `unlock-authenticator` and has no authenticator step (nil: none).
    var unlockFlow: FlowDefinition? {
        config.flows.first { def in
            def.actions.contains(.unlockAuthenticator) && !def.steps.contains { config.method($0)?.type == .totp }
        }
    }

    /// "2026-12-03 20:15 UTC": a time the pages show (minutes rounded up, so it is never too early).
    public static func timeText(_ date: Date) -> String {
        let rounded = Date(timeIntervalSince1970: (date.timeIntervalSince1970 / 60).rounded(.up) * 60)
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        let c = calendar.dateComponents([.year, .month, .day, .hour, .minute], from: rounded)
        return String(format: "%04d-%02d-%02d %02d:%02d UTC", c.year ?? 0, c.month ?? 0, c.day ?? 0, c.hour ?? 0, c.minute ?? 0)
    }

    private mutating func pass(_ inputs: FlowInputs, _ reason: String) -> [FlowEffect] {
        let audit = FlowEffect.audit(event: "recovery.step", outcome: "success", reason: reason)
        flow.stepIndex += 1
        return [audit] + enterStep(inputs)
    }

    private mutating func wrong(_ noticeID: String, _ reason: String) -> [FlowEffect] {
        flow.step?.wrong += 1
        flow.notices = [FlowNotice(noticeID)]
        let effects: [FlowEffect] = [.audit(event: "recovery.step", outcome: "failure", reason: reason), .wrongAnswer]
        if (flow.step?.wrong ?? 0) >= config.limits.wrongPerStep { return effects + fail("too many wrong submissions") }
        return effects
    }

    private mutating func fail(_ reason: String) -> [FlowEffect] {
        flow.phase = .failed
        flow.step = nil
        flow.notices = [FlowNotice("error.flow_failed")]
        return [.audit(event: "recovery.failed", outcome: "failure", reason: reason)]
    }

    private mutating func notice(_ id: String) -> [FlowEffect] {
        flow.notices = [FlowNotice(id)]
        return []
    }

    private func masked(_ step: StepState, _ index: Int) -> String {
        step.type == .sms ? ContactFormat.maskPhone(step.contacts[index]) : ContactFormat.maskEmail(step.contacts[index])
    }

    // MARK: helpers

    /// HMAC-SHA256 of a code bound to its flow and step (hex), so a digest is useless for any other flow.
    public static func digest(_ code: String, flow: UUID, step: Int, key: SymmetricKey) -> String {
        Hex.encode(HMAC<SHA256>.authenticationCode(for: Array("\(flow.uuidString.lowercased())|\(step)|\(code)".utf8), using: key))
    }

    /// `k` distinct entries of `pool` in random order (Fisher–Yates over the random bytes).
    static func pick(_ k: Int, from pool: [String], random: [UInt8]) -> [String] {
        var items = pool
        var r = random.isEmpty ? [0] : random
        for i in stride(from: items.count - 1, to: 0, by: -1) {
            let b = Int(r.removeFirst()); if r.isEmpty { r = random.isEmpty ? [0] : random }
            items.swapAt(i, b % (i + 1))
        }
        return Array(items.prefix(k))
    }
}
