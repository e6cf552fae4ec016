import Foundation

/// A challenge issued to a device: the SHA-256 of its 32 random bytes, 2 minutes, single use.
public struct AuthenticatorChallenge: Sendable, Equatable {
    /// Lowercase hex SHA-256 of the raw challenge bytes (``AuthenticatorRules/challengeHash(_:)``); unique.
    public var hash: String
    public var deviceID: UUID
    public var expiresAt: Date

    public init(hash: String, deviceID: UUID, expiresAt: Date) { self.hash = hash; self.deviceID = deviceID; self.expiresAt = expiresAt }
}
