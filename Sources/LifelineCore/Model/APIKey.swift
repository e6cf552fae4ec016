import Crypto
import Foundation

/// What an API key may do.
public enum APIKeyScope: String, Sendable, Codable, CaseIterable {
    /// Call the validation API.
    case validate
    /// Administer tenants, users and tokens.
    case admin
}

/// An API key as stored: its public id and the SHA-256 of its secret part, never the secret.
public struct APIKey: Sendable, Equatable, Identifiable {
    public var id: String
    public var name: String
    public var scope: APIKeyScope
    /// nil for a global key.
    public var tenantID: UUID?
    public var secretHash: [UInt8]
    public var createdAt: Date

    public init(id: String, name: String, scope: APIKeyScope, tenantID: UUID?, secretHash: [UInt8], createdAt: Date) {
        self.id = id; self.name = name; self.scope = scope; self.tenantID = tenantID; self.secretHash = secretHash; self.createdAt = createdAt
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
