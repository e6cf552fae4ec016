import Foundation

/// Where an emergency code stands.
public enum EmergencyCodeStatus: String, Sendable, Codable, CaseIterable {
    /// Usable (until `expiresAt`, while uses are left).
    case active
    /// Its last use was taken.
    case usedUp = "used_up"
    /// Its time ran out (shown as such by ``EmergencyCodeState/resolved(at:)``; the stored status stays `active`).
    case expired
    /// Ended early: by an administrator, by a change of the user's contacts or tokens, by too many wrong codes, or by
    /// a newer code (`revokedReason` says which).
    case revoked
}

/// What is known about a user's emergency access code — never the code, nor its hash.
public struct EmergencyCodeState: Sendable, Equatable {
    public var userID: UUID
    /// The template it was issued from.
    public var templateID: String
    public var issuedAt: Date
    /// When it stops working. Lifeline always sets it (at most 30 days after issue); nil only for data written otherwise.
    public var expiresAt: Date?
    /// Successful uses allowed in total (nil: no use limit, only time).
    public var maxUses: Int?
    /// Successful uses still allowed (nil: no use limit).
    public var usesLeft: Int?
    /// Successful validations with the code.
    public var usedCount: Int
    /// Wrong codes submitted for the user since the code was issued or last used; at the OTP policy's `max_fail` the
    /// code is revoked.
    public var failCount: Int
    public var status: EmergencyCodeStatus
    public var revokedAt: Date?
    public var revokedReason: String?

    public init(userID: UUID, templateID: String, issuedAt: Date, expiresAt: Date?, maxUses: Int?, usesLeft: Int?, usedCount: Int = 0,
                failCount: Int = 0, status: EmergencyCodeStatus = .active, revokedAt: Date? = nil, revokedReason: String? = nil) {
        self.userID = userID; self.templateID = templateID; self.issuedAt = issuedAt; self.expiresAt = expiresAt
        self.maxUses = maxUses; self.usesLeft = usesLeft; self.usedCount = usedCount; self.failCount = failCount
        self.status = status; self.revokedAt = revokedAt; self.revokedReason = revokedReason
    }

    /// Whether the code would be accepted at `now`.
    public func isUsable(at now: Date) -> Bool {
        status == .active && (expiresAt.map { $0 > now } ?? true) && (usesLeft.map { $0 > 0 } ?? true)
    }

    /// This state as of `now`: an active code past its expiry is reported `expired`. (Expiry is not written to the
    /// database; every query compares `expires_at` with the time instead, so no job has to run for it.)
    public func resolved(at now: Date) -> EmergencyCodeState {
        var s = self
        if s.status == .active, let e = expiresAt, e <= now { s.status = .expired }
        return s
    }
}

/// A user's emergency code as stored: its state, its tenant, the HMAC of the code and the id of the key-encryption key
/// the HMAC key was derived from.
public struct StoredEmergencyCode: Sendable, Equatable {
    public var tenantID: UUID
    public var state: EmergencyCodeState
    /// ``EmergencyCodeFormat/hash(code:tenantID:userID:key:)`` of the code (64 hex characters).
    public var hash: String
    /// The current key id when the code was issued (the HMAC key is derived from that key).
    public var keyID: String

    public init(tenantID: UUID, state: EmergencyCodeState, hash: String, keyID: String) {
        self.tenantID = tenantID; self.state = state; self.hash = hash; self.keyID = keyID
    }
}

/// A freshly issued emergency code: the only time the code itself exists outside the user's hands.
public struct IssuedEmergencyCode: Sendable, Equatable {
    /// The code in display form (groups separated by spaces, e.g. `12345 67890`); validation accepts it with or
    /// without the spaces (and with dashes, in any letter case).
    public var code: String
    /// When it stops working (always set: at most 30 days after issue).
    public var expiresAt: Date?
    /// How many times it may be used (nil: until it expires).
    public var maxUses: Int?
    /// The template it was issued from.
    public var templateID: String

    public init(code: String, expiresAt: Date?, maxUses: Int?, templateID: String) {
        self.code = code; self.expiresAt = expiresAt; self.maxUses = maxUses; self.templateID = templateID
    }
}
