import Crypto
import Foundation

extension FlowPhase {
    /// SMS/email: the user picks a masked contact and types it in full.
    public static let chooseContact = FlowPhase(rawValue: "choose_contact")
    /// SMS/email: the user types the code that was sent.
    public static let enterCode = FlowPhase(rawValue: "enter_code")
}

/// A method that sends a one-time code to one of the user's verified contacts (SMS, email): the user picks a masked
/// contact, types it in full, and types the code sent there. SMS and email differ only in the members of this
/// protocol; the logic is one piece (the extension below).
public protocol ContactCodeMethod: VerificationMethod where Settings == ContactCodeSettings, State == ContactCodeState {
    var channel: MessageChannel { get }
    /// Default seconds a sent code stays valid.
    var defaultLifetime: Int { get }
    /// The most seconds a code may live. Why a cap: a code that lives longer gives a guesser and a message thief more time.
    var maxLifetime: Int { get }
    /// The user's verified contacts of this kind, and the username's decoys.
    func contacts(_ profile: RecoveryProfile) -> (real: [String], decoys: [String])
    /// The normalized typed contact, nil when it is no contact of this kind.
    func normalize(_ typed: String, config: RecoveryConfig) -> String?
    /// Whether a normalized typed contact is `contact`.
    func matches(_ typed: String, _ contact: String) -> Bool
    func mask(_ contact: String) -> String
    /// Catalog ids and field names of the choose-contact phase.
    var words: ContactWords { get }
}

/// The catalog ids and field names a contact method shows (`number` or `address`).
public struct ContactWords: Sendable {
    public var prompt, choiceLabel, fieldName, fieldLabel, inputType, mismatch: String
}

/// Settings of an SMS or email method.
public struct ContactCodeSettings: MethodSettings {
    /// Digits of a sent one-time code: 6–8, default 6.
    public var codeLength: Int?
    /// Seconds a sent code stays valid (default and cap per method).
    public var codeLifetime: Int?

    public init(codeLength: Int? = nil, codeLifetime: Int? = nil) { self.codeLength = codeLength; self.codeLifetime = codeLifetime }

    enum CodingKeys: String, CodingKey, CaseIterable { case codeLength = "code_length", codeLifetime = "code_lifetime" }

    public init(from decoder: any Decoder) throws {
        try ConfigKeyCheck.refuseUnknown(decoder, known: ["id", "type"] + CodingKeys.allCases.map(\.stringValue))
        let c = try decoder.container(keyedBy: CodingKeys.self)
        codeLength = try c.decodeIfPresent(Int.self, forKey: .codeLength)
        codeLifetime = try c.decodeIfPresent(Int.self, forKey: .codeLifetime)
    }

    /// The effective code length.
    public var effectiveCodeLength: Int { codeLength ?? 6 }
}

/// The state of an SMS or email step.
public struct ContactCodeState: MethodStepState {
    /// The contacts offered (E.164 numbers or addresses; never sent to a client unmasked).
    public var contacts: [String] = []
    public var chosenContact: Int?
    /// HMAC of the sent code (hex), cleared when used.
    public var codeDigest: String?
    public var codeExpiresAt: Date?
    public var lastSentAt: Date?
    public var sends = 0
    public init(contacts: [String] = []) { self.contacts = contacts }
}

/// The events of an SMS or email step.
public enum ContactCodeEvent: MethodEvent, Equatable {
    case chooseContact(index: Int, typed: String)
    case submitCode(String)
    case resend
}

extension FlowEvent {
    public static func chooseContact(index: Int, typed: String) -> FlowEvent { .step(ContactCodeEvent.chooseContact(index: index, typed: typed)) }
    public static func submitCode(_ code: String) -> FlowEvent { .step(ContactCodeEvent.submitCode(code)) }
    public static var resend: FlowEvent { .step(ContactCodeEvent.resend) }
}

extension ContactCodeMethod {
    public var defaultSettings: ContactCodeSettings { ContactCodeSettings() }

    /// The effective code lifetime in seconds.
    public func lifetime(_ settings: ContactCodeSettings) -> Int { settings.codeLifetime ?? defaultLifetime }

    public func problems(_ s: ContactCodeSettings, in config: RecoveryConfig) -> [(key: String?, reason: String)] {
        var out: [(key: String?, reason: String)] = []
        if let l = s.codeLength, !(6...8).contains(l) { out.append(("code_length", "must be 6 to 8")) }
        if let t = s.codeLifetime, !(30...maxLifetime).contains(t) { out.append(("code_lifetime", "must be 30 to \(maxLifetime) seconds for \(type)")) }
        return out
    }

    /// Anti-enumeration: without real contacts (or for a decoy flow) the step offers the username's stable decoys.
    public func enter(_ settings: ContactCodeSettings, _ context: StepContext) -> StepEntry<ContactCodeState> {
        let (real, decoys) = contacts(context.profile)
        let decoy = context.decoy || real.isEmpty
        return StepEntry(phase: .chooseContact, state: ContactCodeState(contacts: decoy ? decoys : real), decoy: decoy)
    }

    public func handle(_ event: any MethodEvent, state: inout ContactCodeState, settings: ContactCodeSettings, _ context: StepContext) -> StepResult? {
        switch (context.phase, event as? ContactCodeEvent) {
        case (.chooseContact, .chooseContact(let index, let typed)?):
            guard state.contacts.indices.contains(index) else { return .notice("error.contact_unknown") }
            // Why the full number: the masked list alone must not let anyone trigger messages to the user; typing it
            // proves the person already knows it. Compared in constant time like every secret-ish value.
            let match = normalize(typed, config: context.config).map { matches($0, state.contacts[index]) } ?? false
            guard match else { return .wrong(notice: words.mismatch, reason: "contact did not match") }
            state.chosenContact = index
            return send(&state, settings, context)
        case (.enterCode, .submitCode(let code)?):
            if let expires = state.codeExpiresAt, context.inputs.now >= expires { return .notice("error.code_expired") }
            let digest = Self.digest(code, flow: context.flowID, step: context.stepIndex, key: context.inputs.codeKey)
            // Constant-time comparison of HMACs; the stored digest is cleared on success, so a code works once.
            let match = state.codeDigest.map { ConstantTime.equals($0, digest) } ?? false
            guard match, !context.decoy else { return .wrong(notice: "error.code_wrong", reason: "wrong code") }
            state.codeDigest = nil
            return .passed(reason: "\(type) code accepted")
        case (.enterCode, .resend?):
            guard let last = state.lastSentAt, context.inputs.now >= last.addingTimeInterval(TimeInterval(context.config.limits.resendDelay)) else {
                return .notice("error.resend_too_early")
            }
            return send(&state, settings, context)
        default:
            return nil
        }
    }

    /// Sends a fresh code to the chosen contact, or — in a decoy step — pretends to: the runner writes a suppressed
    /// outbox row (``FlowEffect/pretendSend(channel:)``), so the work and the answer match a real send.
    private func send(_ state: inout ContactCodeState, _ settings: ContactCodeSettings, _ context: StepContext) -> StepResult {
        let limits = context.config.limits, inputs = context.inputs
        guard let index = state.chosenContact else { return .notice("error.unexpected") }
        guard state.sends < limits.sendsPerFlow, inputs.sendsThisHour < limits.sendsPerUserPerHour else {
            return .stays(notices: [FlowNotice("error.send_limit")], effects: [.audit(event: "recovery.send", outcome: "refused", reason: "send limit reached")])
        }
        let code = String(inputs.freshCode.prefix(settings.effectiveCodeLength))
        let lifetime = lifetime(settings)
        state.codeDigest = Self.digest(code, flow: context.flowID, step: context.stepIndex, key: inputs.codeKey)
        state.codeExpiresAt = inputs.now.addingTimeInterval(TimeInterval(lifetime))
        state.lastSentAt = inputs.now
        state.sends += 1
        let masked = mask(state.contacts[index])
        let delivery: FlowEffect = context.decoy ? .pretendSend(channel: channel)
            : .send(channel: channel, recipient: state.contacts[index], code: code, lifetime: lifetime)
        return .stays(phase: .enterCode, notices: [FlowNotice("info.code_sent", .info, args: ["contact": masked])],
                      effects: [delivery, .countSend, .audit(event: "recovery.send", outcome: "ok", reason: "\(channel.rawValue) to \(masked)")])
    }

    public func view(_ state: ContactCodeState, settings: ContactCodeSettings, _ context: StepViewContext) -> StepView {
        let t = context.text
        if context.phase == .enterCode {
            let delay = TimeInterval(context.config.limits.resendDelay)
            return StepView(prompt: t("prompt.enter_code", [:]),
                            fields: [FlowField(name: "code", type: "code", label: t("field.code", [:]), required: true, options: nil, autocomplete: "one-time-code")],
                            resendAvailableAt: state.lastSentAt.map { $0.addingTimeInterval(delay) })
        }
        let options = state.contacts.enumerated().map { i, c in FlowOption(value: String(i), label: mask(c)) }
        return StepView(prompt: t(words.prompt, [:]), fields: [
            FlowField(name: "contact", type: "radio", label: t(words.choiceLabel, [:]), required: true, options: options, autocomplete: nil),
            FlowField(name: words.fieldName, type: words.inputType, label: t(words.fieldLabel, [:]), required: true, options: nil, autocomplete: words.inputType),
        ])
    }

    public func event(_ phase: FlowPhase, state: ContactCodeState, _ env: StepEnvironment) async throws -> any MethodEvent {
        if phase == .chooseContact {
            guard let index = Int(try env.field("contact")) else { throw LifelineError(.invalidRequest, "field 'contact' must be a number") }
            return ContactCodeEvent.chooseContact(index: index, typed: try env.field(words.fieldName))
        }
        if env.fields["intent"] == "resend" { return ContactCodeEvent.resend }
        return ContactCodeEvent.submitCode(try env.code("code"))
    }

    /// A typed contact and a code are guesses; asking for a resend is none.
    public func isGuess(_ phase: FlowPhase, fields: [String: String]) -> Bool { phase != .enterCode || fields["intent"] != "resend" }

    public func maySend(_ phase: FlowPhase) -> Bool { true }

    /// HMAC-SHA256 of a code bound to its flow and step (hex), so a digest is useless for any other flow.
    public static func digest(_ code: String, flow: UUID, step: Int, key: SymmetricKey) -> String {
        Hex.encode(HMAC<SHA256>.authenticationCode(for: Array("\(flow.uuidString.lowercased())|\(step)|\(code)".utf8), using: key))
    }
}

/// The digest of a sent code (``ContactCodeMethod/digest(_:flow:step:key:)``), for callers without a method value.
public enum ContactCode {
    public static func digest(_ code: String, flow: UUID, step: Int, key: SymmetricKey) -> String {
        SMSMethod.digest(code, flow: flow, step: step, key: key)
    }
}

extension StepState {
    /// The state of an SMS or email step; nil for another method's step.
    public var contactCode: ContactCodeState? {
        get { state as? ContactCodeState }
        set { if let newValue { state = newValue } }
    }
}
