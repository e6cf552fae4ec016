import Foundation

/// The kind of an OTP token.
public enum TokenType: String, Sendable, Codable, CaseIterable {
    case hotp, totp
}

/// Whether a token may authenticate.
public enum TokenState: String, Sendable, Codable {
    /// Usable.
    case active
    /// Switched off by an administrator.
    case disabled
    /// Locked after `maxFail` consecutive failed codes; an administrator resets it, or the user through the
    /// `unlock-authenticator` recovery action. (A throttled token is still `active`: see ``Token/throttledUntil``.)
    case locked
}

/// An HOTP or TOTP token of a user. The secret itself is never part of this value: it is kept sealed
/// (``SealedSecret``) and opened only by the validation service.
public struct Token: Sendable, Equatable, Identifiable {
    public var id: UUID
    public var tenantID: UUID
    public var userID: UUID
    public var type: TokenType
    public var algorithm: OTPAlgorithm
    public var digits: Int
    /// Seconds per step (TOTP only).
    public var period: Int?
    public var state: TokenState
    /// Consecutive failed codes since the last accepted one (a success resets it).
    public var failCount: Int
    /// The consecutive failures at which the token locks (at most ``OTPPolicy/maxFailLimit``).
    public var maxFail: Int
    /// Until when codes are refused without being checked, after ``OTPPolicy/throttleAfter`` consecutive failures
    /// (nil: never throttled, or a success or reset cleared it).
    public var throttledUntil: Date?
    /// TOTP: the clock offset of the device, in steps.
    public var drift: Int64
    /// HOTP: the next counter expected.
    public var counter: Int64
    /// The last accepted step (TOTP) or counter (HOTP); nothing at or below it is accepted again.
    public var lastUsed: Int64?
    public var label: String
    public var createdAt: Date
    /// Whether the token has a PIN (``TokenPIN``): then it accepts PIN ‖ OTP (or the PIN in a field of its own), never
    /// the OTP alone. The verifier itself is in ``StoredToken/pin``.
    public var hasPIN: Bool
    /// Consecutive wrong PINs since the last accepted code or the last reset; at ``TokenPIN/maxFailures`` the PIN is
    /// blocked (``isPINBlocked``).
    public var pinFailCount: Int

    public init(
        id: UUID, tenantID: UUID, userID: UUID, type: TokenType, algorithm: OTPAlgorithm, digits: Int,
        period: Int?, state: TokenState = .active, failCount: Int = 0, maxFail: Int = OTPPolicy.maxFailLimit, drift: Int64 = 0,
        counter: Int64 = 0, lastUsed: Int64? = nil, label: String = "", createdAt: Date, throttledUntil: Date? = nil,
        hasPIN: Bool = false, pinFailCount: Int = 0
    ) {
        self.id = id; self.tenantID = tenantID; self.userID = userID; self.type = type
        self.algorithm = algorithm; self.digits = digits; self.period = period; self.state = state
        self.failCount = failCount; self.maxFail = maxFail; self.drift = drift; self.counter = counter
        self.lastUsed = lastUsed; self.label = label; self.createdAt = createdAt
        self.throttledUntil = throttledUntil
        self.hasPIN = hasPIN; self.pinFailCount = pinFailCount
    }

    /// Whether the token's PIN is blocked after ``TokenPIN/maxFailures`` consecutive wrong PINs: it accepts nothing
    /// until an administrator resets the token or sets a new PIN.
    public var isPINBlocked: Bool { hasPIN && pinFailCount >= TokenPIN.maxFailures }

    /// Whether codes are refused unchecked at `now`.
    public func isThrottled(at now: Date) -> Bool { throttledUntil.map { $0 > now } ?? false }
    /// The largest HOTP counter enrolment accepts: 2^53 - 1. Why this bound: it is exact in every JSON parser (an
    /// IEEE double), and a button pressed every second would take 285 million years to reach it, while the counter
    /// plus any verification window stays far below Int64.max (an overflow would trap and end the server).
    public static let maxCounter: Int64 = 9_007_199_254_740_991
}

/// A token together with its sealed secret, as the store keeps it.
public struct StoredToken: Sendable {
    public var token: Token
    public var secret: SealedSecret
    /// The verifier of the token's PIN (nil: the token has none).
    public var pin: TokenPINVerifier?
    public init(token: Token, secret: SealedSecret, pin: TokenPINVerifier? = nil) {
        self.token = token; self.secret = secret; self.pin = pin
        self.token.hasPIN = pin != nil
    }
}
