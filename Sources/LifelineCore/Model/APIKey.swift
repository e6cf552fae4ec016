import Crypto
import Foundation

/// An API key as stored: its public id and the SHA-256 of its secret part, never the secret.
public struct APIKey: Sendable, Equatable, Identifiable {
    public var id: String
    public var name: String
    /// What the key may do (``Authorizer`` maps it to permissions). Keys made before roles had a scope, `validate`
    /// or `admin`, which is the role of the same name.
    public var role: Role
    /// nil for a global key.
    public var tenantID: UUID?
    public var secretHash: [UInt8]
    public var createdAt: Date
    /// After this instant the key is refused; nil: it does not expire.
    public var expiresAt: Date?
    /// When the key was last used, to about a minute (see ``APIKeyStore/recordAPIKeyUse(_:at:)``); nil: never.
    public var lastUsedAt: Date?
    /// When the key was revoked; a revoked key is refused for good. nil: not revoked.
    public var revokedAt: Date?
    /// The audit actor that created the key (`cli`, `demo`, `apikey:<id>`), or empty for a key older than this
    /// column. Demo mode revokes the keys whose creator is `demo`.
    public var createdBy: String

    public init(id: String, name: String, role: Role, tenantID: UUID?, secretHash: [UInt8], createdAt: Date,
                expiresAt: Date? = nil, lastUsedAt: Date? = nil, revokedAt: Date? = nil, createdBy: String = "") {
        self.id = id; self.name = name; self.role = role; self.tenantID = tenantID; self.secretHash = secretHash; self.createdAt = createdAt
        self.expiresAt = expiresAt; self.lastUsedAt = lastUsedAt; self.revokedAt = revokedAt; self.createdBy = createdBy
    }

    /// A key's state at `now`.
    public enum State: String, Sendable { case active, expired, revoked }

    /// The key's state at `now`: revoked wins over expired.
    public func state(at now: Date) -> State {
        if revokedAt != nil { return .revoked }
        if let expiresAt, now >= expiresAt { return .expired }
        return .active
    }

    /// Whether `id` has the form of a key id (12 characters of the key alphabet), so a malformed one is refused
    /// before any lookup.
    public static func isValidID(_ id: String) -> Bool {
        id.utf8.count == 12 && id.utf8.allSatisfy(isKeyChar)
    }

    /// Splits a presented key `ll_<id>_<secret>` into id and secret.
    public static func parse(_ presented: String) -> (id: String, secret: String)? {
        let parts = presented.split(separator: "_", omittingEmptySubsequences: false)
        // Lengths in UTF-8 bytes (the allowed characters are ASCII): counting Characters would break graphemes for nothing.
        guard parts.count == 3, parts[0] == "ll", parts[1].utf8.count == 12, parts[2].utf8.count == 43,
              parts[1].utf8.allSatisfy(Self.isKeyChar), parts[2].utf8.allSatisfy(Self.isKeyChar) else { return nil }
        return (String(parts[1]), String(parts[2]))
    }

    /// Why a plain SHA-256 and not a slow hash: the secret part has 256 bits from a CSPRNG, so it cannot be
    /// guessed offline; a fast hash keeps every API call cheap while a stolen database still reveals no key.
    public static func hash(secret: String) -> [UInt8] {
        Array(SHA256.hash(data: Array(secret.utf8)))
    }

    /// Whether `secret` is this key's secret (constant-time).
    public func matches(secret: String) -> Bool {
        ConstantTime.equals(Self.hash(secret: secret), secretHash)
    }

    private static func isKeyChar(_ c: UInt8) -> Bool {
        (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a) || c == UInt8(ascii: "-")
    }
}
