import Foundation

/// Where a recovery flow stands.
public enum FlowPhase: String, Sendable, Codable {
    /// The user picks one of the tenant's flows.
    case chooseFlow = "choose_flow"
    /// SMS/email: the user picks a masked contact and types it in full.
    case chooseContact = "choose_contact"
    /// SMS/email: the user types the code that was sent.
    case enterCode = "enter_code"
    /// The user answers the chosen questions.
    case answerQuestions = "answer_questions"
    /// The user types a code from the authenticator.
    case enterTOTP = "enter_totp"
    /// The authenticator drifted: the user types two consecutive codes.
    case resyncTOTP = "resync_totp"
    /// Every step passed; grants are held for the unlocked actions.
    case verified
    /// Too many wrong submissions; the flow can do nothing more.
    case failed
}

/// The state of the current step of a flow.
public struct StepState: Sendable, Codable, Equatable {
    public var methodID: String
    public var type: VerificationMethodType
    /// True when the step shows decoy data and can never pass (explicit, see ``FlowStateMachine``).
    public var decoy: Bool
    /// SMS/email: the contacts offered (E.164 numbers or addresses; never sent to a client unmasked).
    public var contacts: [String] = []
    public var chosenContact: Int?
    /// HMAC of the sent code (hex), cleared when used.
    public var codeDigest: String?
    public var codeExpiresAt: Date?
    public var lastSentAt: Date?
    public var sends = 0
    /// Questions: the ids asked in this flow.
    public var questionIDs: [String] = []
    /// Wrong submissions in this step.
    public var wrong = 0

    public init(methodID: String, type: VerificationMethodType, decoy: Bool) {
        self.methodID = methodID; self.type = type; self.decoy = decoy
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
