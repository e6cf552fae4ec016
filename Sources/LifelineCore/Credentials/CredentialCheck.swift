import Foundation

/// A kind of credential that validation can check. The order in which kinds are tried is the registry's
/// (``CredentialRegistry``), not the order a caller lists them in. Each type's folder declares its own constant in an
/// extension (`CredentialKind.otpToken`, `.recoveryCode`, `.emergencyCode`).
public struct CredentialKind: Hashable, Sendable, CustomStringConvertible {
    /// The stable id (audit reasons, docs).
    public let id: String
    public init(_ id: String) { self.id = id }
    public var description: String { id }
}

/// What a caller asks ``ValidationService/check(_:tenant:caller:)`` to check: which credentials, of whom, and how
/// wrong inputs count. Each caller says what it needs in one value instead of passing flags.
public struct CredentialCheck: Sendable {
    /// Whose credentials.
    public enum Subject: Sendable, Equatable {
        /// The user of this name in the tenant (validate, the admin check). An unknown or disabled user is audited as such.
        case username(String)
        /// The user of a recovery flow, by id (nil: a decoy flow, which does the same work on dummies and is rejected).
        /// Why by id: another user who took the name meanwhile must not pass the flow's step.
        case flowUser(UUID?, username: String)
    }

    /// Which of the user's OTP tokens take part.
    public enum TokenScope: Sendable, Equatable {
        case all
        /// One token (the admin diagnostic).
        case only(UUID)
        /// TOTP tokens only (the recovery flow's authenticator step asks for the app, not a key fob).
        case totp
    }

    /// Whether a wrong input counts as a guess on a credential (throttle, lock, revocation).
    public enum Guesses: Sendable, Equatable {
        /// Counted on exactly one credential: the first in registry order that the input could be.
        case counted
        /// Counted nowhere (audited only). Why for the recovery flow: it needs no API key, so anyone who knows a username
        /// could otherwise throttle and lock the user's authenticator; guesses in flows are bounded by the flows' own limits.
        case uncounted
    }

    public var subject: Subject
    /// The kinds to try (in registry order).
    public var kinds: Set<CredentialKind>
    /// The input in the form of each kind that accepts it (``Validation/validationCode(_:)``, ``SubmittedCode/init(typed:)``,
    /// or one form: ``SubmittedCode/init(_:_:)``).
    public var input: SubmittedCode
    public var tokens: TokenScope
    public var guesses: Guesses
    /// The audit event (`validate`, `token.check`, `recovery.totp`, ...).
    public var event: String
    /// A PIN given apart from the code (validate's `pin` field, 4–8 digits): then `input` holds the OTP of a token with a
    /// PIN (``TokenPIN``). Nil: a token with a PIN reads its PIN as the prefix of the code.
    public var pin: String?

    public init(subject: Subject, kinds: Set<CredentialKind>, input: SubmittedCode, tokens: TokenScope = .all,
                guesses: Guesses = .counted, event: String, pin: String? = nil) {
        self.subject = subject; self.kinds = kinds; self.input = input; self.tokens = tokens; self.guesses = guesses; self.event = event
        self.pin = pin
    }
}

/// What a check found: the detailed result (only administrators see more than accept/reject), the audited reason,
/// and the earliest end of a throttle that kept tokens from being checked.
public struct CredentialOutcome: Sendable, Equatable {
    public var result: CheckResult
    public var reason: String
    /// The kind that accepted the input, or nil.
    public var acceptedBy: CredentialKind?
    public var throttledUntil: Date?
    /// The OTP token that accepted the input (set by the OTP-token type, and by the types of per-token credentials such
    /// as the offline emergency access tokencodes); nil otherwise. The offline data of an agent authentication is built
    /// for this token (issue 17).
    public var tokenID: UUID?

    public init(result: CheckResult, reason: String, acceptedBy: CredentialKind? = nil, throttledUntil: Date? = nil, tokenID: UUID? = nil) {
        self.result = result; self.reason = reason; self.acceptedBy = acceptedBy; self.throttledUntil = throttledUntil
        self.tokenID = tokenID
    }
}
