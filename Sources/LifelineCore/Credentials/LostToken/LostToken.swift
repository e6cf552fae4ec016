import Foundation

/// A token the helpdesk marked as lost (privacyIDEA's "lost token"): the token is disabled and a temporary code stands
/// in for it until ``expiresAt``, until the token is found and made active again, or until a new token is enrolled for
/// the user (docs/lost-token.md). One record per token; marking the token lost again replaces an ended one.
public struct LostToken: Sendable, Equatable {
    /// The lost token (the record's key).
    public var tokenID: UUID
    public var tenantID: UUID
    public var userID: UUID
    /// HMAC-SHA256 (hex) of the temporary code (``LostTokenFormat/hash(code:tenantID:userID:tokenID:key:)``); never the code.
    public var codeHash: String
    /// The vault key the HMAC key was derived from (so `lifeline keys rotate` does not end live codes).
    public var keyID: String
    public var createdAt: Date
    public var expiresAt: Date
    /// When it ended before expiring (nil: it did not).
    public var endedAt: Date?
    /// Why it ended (``LostTokenRules/Trigger``).
    public var endedReason: String?
    /// Consecutive wrong codes (ended at ``LostTokenFormat/maxFailures``).
    public var failCount: Int
    /// Consecutive wrong PINs with the right code (ended at ``TokenPIN/maxFailures``).
    public var pinFailCount: Int

    public init(tokenID: UUID, tenantID: UUID, userID: UUID, codeHash: String, keyID: String, createdAt: Date, expiresAt: Date,
                endedAt: Date? = nil, endedReason: String? = nil, failCount: Int = 0, pinFailCount: Int = 0) {
        self.tokenID = tokenID; self.tenantID = tenantID; self.userID = userID; self.codeHash = codeHash; self.keyID = keyID
        self.createdAt = createdAt; self.expiresAt = expiresAt; self.endedAt = endedAt; self.endedReason = endedReason
        self.failCount = failCount; self.pinFailCount = pinFailCount
    }

    /// Whether the temporary code is accepted at `now`: not ended and not expired.
    public func isLive(at now: Date) -> Bool { endedAt == nil && expiresAt > now }
}

/// What marking a token as lost returns: the temporary code, shown this once (only its HMAC is kept).
public struct IssuedLostTokenCode: Sendable, Equatable {
    /// The 12 symbols of ``EmergencyCodeFormat/alphanumericCharacters``, without spaces.
    public var code: String
    public var expiresAt: Date
    public var tokenID: UUID
    /// The owner's username.
    public var username: String
    /// Whether the token has a PIN: then the user types PIN ‖ code (or the PIN in validate's `pin` field).
    public var withPIN: Bool

    public init(code: String, expiresAt: Date, tokenID: UUID, username: String, withPIN: Bool) {
        self.code = code; self.expiresAt = expiresAt; self.tokenID = tokenID; self.username = username; self.withPIN = withPIN
    }
}
