import Foundation

/// Where a recovery flow stands: a stable id on the wire (`state` of the flow document). The flow's own phases are
/// here; each verification method declares the phases of its steps beside itself (`FlowPhase.enterCode` in
/// `Methods/Shared`, `.answerQuestions` in `Methods/Questions`, …).
public struct FlowPhase: RawRepresentable, Hashable, Sendable, Codable, CustomStringConvertible {
    public let rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue }
    public var description: String { rawValue }

    /// The user picks one of the tenant's flows.
    public static let chooseFlow = FlowPhase(rawValue: "choose_flow")
    /// Every step passed; grants are held for the unlocked actions.
    public static let verified = FlowPhase(rawValue: "verified")
    /// Too many wrong submissions; the flow can do nothing more.
    public static let failed = FlowPhase(rawValue: "failed")
}

/// The state of the current step of a flow: what every step has, and the step method's own state.
///
/// Stored flat: the method's state is encoded beside `methodID`, `type`, `decoy` and `wrong` (so flows stored before
/// methods were plug-ins read as they are). Decoding finds the method by `type` in the registry of the decoder's
/// `userInfo` (``MethodRegistry/userInfoKey``, else ``MethodRegistry/standard``).
public struct StepState: Sendable, Codable, Equatable {
    public var methodID: String
    public var type: VerificationMethodType
    /// True when the step shows decoy data and can never pass (explicit, see ``FlowStateMachine``).
    public var decoy: Bool
    /// Wrong submissions in this step.
    public var wrong = 0
    /// The method's own state (``VerificationMethod/State``).
    public var state: any MethodStepState

    public init(methodID: String, type: VerificationMethodType, decoy: Bool, state: any MethodStepState = NoState()) {
        self.methodID = methodID; self.type = type; self.decoy = decoy; self.state = state
    }

    enum CodingKeys: String, CodingKey { case methodID, type, decoy, wrong }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        methodID = try c.decode(String.self, forKey: .methodID)
        type = try c.decode(VerificationMethodType.self, forKey: .type)
        decoy = try c.decode(Bool.self, forKey: .decoy)
        wrong = try c.decode(Int.self, forKey: .wrong)
        guard let method = MethodRegistry.from(decoder).method(type) else {
            throw DecodingError.dataCorruptedError(forKey: .type, in: c, debugDescription: "unknown method type '\(type)'")
        }
        state = try method.decodeState(from: decoder)
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(methodID, forKey: .methodID)
        try c.encode(type, forKey: .type)
        try c.encode(decoy, forKey: .decoy)
        try c.encode(wrong, forKey: .wrong)
        try state.encode(to: encoder)
    }

    public static func == (a: StepState, b: StepState) -> Bool {
        a.methodID == b.methodID && a.type == b.type && a.decoy == b.decoy && a.wrong == b.wrong && a.state.isEqual(b.state)
    }
}

/// A single-use permission, held by a verified flow, to perform one recovery action before `expiresAt`.
public struct ActionGrant: Sendable, Codable, Equatable {
    public var action: RecoveryActionID
    public var expiresAt: Date
    public var usedAt: Date?
    public init(action: RecoveryActionID, expiresAt: Date, usedAt: Date? = nil) { self.action = action; self.expiresAt = expiresAt; self.usedAt = usedAt }
}

/// A message for the client: an id from the string catalog, its kind and arguments.
public struct FlowNotice: Sendable, Codable, Equatable {
    public enum Kind: String, Sendable, Codable { case error, info }
    public var id: String
    public var kind: Kind
    public var args: [String: String]
    public init(_ id: String, _ kind: Kind = .error, args: [String: String] = [:]) { self.id = id; self.kind = kind; self.args = args }
}

/// A self-service recovery flow: the persisted state of ``FlowStateMachine``.
///
/// The id is a random UUID (122 bits from the CSPRNG) and is the flow's bearer secret: whoever holds it can
/// continue the flow, so it lives only in the client and in a cookie-bound web session, never in logs.
public struct RecoveryFlow: Sendable, Codable, Equatable, Identifiable {
    public var id: UUID
    public var tenantID: UUID
    public var tenant: String
    /// The username as typed (shown back to the user, never looked up again).
    public var username: String
    /// The real user, or nil for a decoy flow.
    public var userID: UUID?
    public var language: String
    public var createdAt: Date
    public var expiresAt: Date
    public var phase: FlowPhase
    public var definitionID: String?
    public var stepIndex = 0
    public var step: StepState?
    public var grants: [ActionGrant] = []
    /// What the steps may use of the user, taken when the flow started (so each submission need not re-read it,
    /// and a user created mid-flow cannot turn a decoy flow real). nil only in flows built without one.
    public var profile: RecoveryProfile?
    /// The guessing budget this flow spends: nil for the username's own, `pass:<id>` for a browser's pass
    /// (``BudgetPass``).
    public var budgetScope: String?
    /// Notices from the last submission.
    public var notices: [FlowNotice] = []
    /// Optimistic-concurrency version, bumped by every stored change.
    public var version: Int64 = 0

    public init(id: UUID, tenantID: UUID, tenant: String, username: String, userID: UUID?, language: String,
                createdAt: Date, expiresAt: Date, phase: FlowPhase = .chooseFlow) {
        self.id = id; self.tenantID = tenantID; self.tenant = tenant; self.username = username; self.userID = userID
        self.language = language; self.createdAt = createdAt; self.expiresAt = expiresAt; self.phase = phase
    }

    /// Whether the flow has run out of time (a verified flow still holds its grants until they expire).
    public func isExpired(at now: Date) -> Bool {
        switch phase {
        case .verified: grants.allSatisfy { $0.expiresAt <= now || $0.usedAt != nil }
        default: now >= expiresAt
        }
    }
}

extension Date {
    /// Whole seconds from `now` until this date, rounded up (0 when past) — for countdowns and `Retry-After`.
    /// Rounded to the millisecond first: stored times are whole milliseconds, and Date's floating-point conversions
    /// would otherwise turn an exact 60 s into 60.000000001 and say 61.
    public func wholeSeconds(after now: Date) -> Int {
        max(0, Int(((timeIntervalSince(now) * 1000).rounded() / 1000).rounded(.up)))
    }
}
