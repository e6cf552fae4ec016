import Foundation

/// Whether a user's set of recovery codes can still be used.
public enum RecoveryCodeSetStatus: String, Sendable, Codable {
    case active
    /// Revoked by an administrator, by the user's new set, or after too many wrong codes.
    case revoked
}

/// A user's set of saved recovery codes (at most one per user; issuing a new set replaces it). Never the codes.
public struct RecoveryCodeSet: Sendable, Equatable {
    public var userID: UUID
    public var tenantID: UUID
    /// A new id per issue, so a use can name the set it read (a set replaced meanwhile is not used).
    public var setID: UUID
    public var issuedAt: Date
    public var status: RecoveryCodeSetStatus
    /// Wrong codes since the last accepted one.
    public var failCount: Int
    public var revokedAt: Date?
    public var revokedReason: String?
    /// How many codes the set had.
    public var total: Int
    /// How many codes are still unused.
    public var remaining: Int

    public init(userID: UUID, tenantID: UUID, setID: UUID, issuedAt: Date, status: RecoveryCodeSetStatus = .active, failCount: Int = 0,
                revokedAt: Date? = nil, revokedReason: String? = nil, total: Int, remaining: Int) {
        self.userID = userID; self.tenantID = tenantID; self.setID = setID; self.issuedAt = issuedAt; self.status = status
        self.failCount = failCount; self.revokedAt = revokedAt; self.revokedReason = revokedReason; self.total = total; self.remaining = remaining
    }

    /// Codes that can be used now: the set is active and has unused codes (0 for a revoked set).
    public var usable: Int { status == .active ? remaining : 0 }
}

/// One code of a set as stored: its lookup in the clear and a salted scrypt hash (``SlowHash``) of the code.
public struct StoredRecoveryCode: Sendable, Equatable {
    public var lookup: String
    public var hash: String
    public var usedAt: Date?

    public init(lookup: String, hash: String, usedAt: Date? = nil) { self.lookup = lookup; self.hash = hash; self.usedAt = usedAt }
}
