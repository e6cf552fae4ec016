import Foundation

/// A tenant's recipe for emergency access codes: how long, from which alphabet, and how long or how often
/// the code may be used in place of the user's OTP.
public struct EmergencyCodeTemplate: Sendable, Codable, Equatable {
    public enum Alphabet: String, Sendable, Codable {
        /// 0–9 (the default: typed on any keypad, and accepted by login forms built for OTPs).
        case digits
        /// Upper-case letters and digits without look-alikes (no 0/O, 1/I/L): more entropy per character.
        case alphanumeric
    }

    public var id: String
    /// The name per language (`en` required).
    public var names: [String: String]
    /// Characters of the code (≥ 8; default 10).
    public var length: Int
    public var alphabet: Alphabet
    /// How many successful validations the code allows (nil: no use limit).
    public var maxUses: Int?
    /// Seconds the code stays valid after it was issued (nil: no duration).
    public var validFor: Int?
    /// An absolute end of validity (nil: none). With `validFor`, the earlier of the two applies.
    public var validUntil: Date?

    public init(id: String, names: [String: String], length: Int = 10, alphabet: Alphabet = .digits, maxUses: Int? = nil,
                validFor: Int? = nil, validUntil: Date? = nil) {
        self.id = id; self.names = names; self.length = length; self.alphabet = alphabet
        self.maxUses = maxUses; self.validFor = validFor; self.validUntil = validUntil
    }

    enum CodingKeys: String, CodingKey, CaseIterable {
        case id, names, length, alphabet
        case maxUses = "max_uses", validFor = "valid_for", validUntil = "valid_until"
    }

    public init(from decoder: any Decoder) throws {
        try ConfigKeyCheck.refuseUnknown(decoder, CodingKeys.self)
        let c = try decoder.container(keyedBy: CodingKeys.self)
        id = try c.decode(String.self, forKey: .id)
        names = try c.decodeIfPresent([String: String].self, forKey: .names) ?? [:]
        length = try c.decodeIfPresent(Int.self, forKey: .length) ?? 10
        alphabet = try c.decodeIfPresent(Alphabet.self, forKey: .alphabet) ?? .digits
        maxUses = try c.decodeIfPresent(Int.self, forKey: .maxUses)
        validFor = try c.decodeIfPresent(Int.self, forKey: .validFor)
        validUntil = try Self.decodeInstant(c, .validUntil)
    }

    /// `valid_until` as the decoder's own date form (YAML timestamp, the store's milliseconds) or, failing that, an
    /// RFC 3339 string — what the admin API shows, so a configuration read with GET can be PUT back as it is.
    private static func decodeInstant(_ c: KeyedDecodingContainer<CodingKeys>, _ key: CodingKeys) throws -> Date? {
        do { return try c.decodeIfPresent(Date.self, forKey: key) } catch DecodingError.typeMismatch {
            let text = try c.decode(String.self, forKey: key)
            let plain = ISO8601DateFormatter()
            let fractional = ISO8601DateFormatter()
            fractional.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
            guard let date = plain.date(from: text) ?? fractional.date(from: text) else {
                throw DecodingError.dataCorruptedError(forKey: key, in: c, debugDescription: "valid_until must be an RFC 3339 time")
            }
            return date
        }
    }

    /// The name in `language`, else English.
    public func name(in language: String) -> String { names[language] ?? names["en"] ?? id }
}
