import Foundation

/// A tenant's rules for a new password, checked before the directory is asked (the directory's own policy
/// still applies after). Defaults follow NIST SP 800-63B §5.1.1.2: length first, a block list, no composition
/// rules unless the tenant asks for them.
public struct PasswordPolicy: Sendable, Codable, Equatable {
    /// Minimum length in characters (8–64; default 12).
    public var minLength: Int
    /// Maximum length (64–256; default 128). Why a cap at all: slow hashing of megabyte "passwords" is a DoS.
    public var maxLength: Int
    /// How many of the four classes (lower, upper, digit, other) must appear (0–4; default 0).
    public var minClasses: Int
    /// Refuse a password that contains the username (case-insensitive; default true).
    public var forbidUsername: Bool
    /// Extra forbidden passwords of this tenant (its name, products, city), besides the built-in common list.
    public var forbidden: [String]

    public init(minLength: Int = 12, maxLength: Int = 128, minClasses: Int = 0, forbidUsername: Bool = true, forbidden: [String] = []) {
        self.minLength = minLength; self.maxLength = maxLength; self.minClasses = minClasses
        self.forbidUsername = forbidUsername; self.forbidden = forbidden
    }

    enum CodingKeys: String, CodingKey, CaseIterable {
        case forbidden
        case minLength = "min_length", maxLength = "max_length", minClasses = "min_classes", forbidUsername = "forbid_username"
    }

    public init(from decoder: any Decoder) throws {
        try ConfigKeyCheck.refuseUnknown(decoder, CodingKeys.self)
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let d = PasswordPolicy()
        minLength = try c.decodeIfPresent(Int.self, forKey: .minLength) ?? d.minLength
        maxLength = try c.decodeIfPresent(Int.self, forKey: .maxLength) ?? d.maxLength
        minClasses = try c.decodeIfPresent(Int.self, forKey: .minClasses) ?? d.minClasses
        forbidUsername = try c.decodeIfPresent(Bool.self, forKey: .forbidUsername) ?? d.forbidUsername
        forbidden = try c.decodeIfPresent([String].self, forKey: .forbidden) ?? d.forbidden
    }
}
