import Foundation

/// The organization's time zone (`time_zone` in the recovery configuration, an IANA name such as `Europe/Oslo`):
/// the pages and the notices sent to users show times in it. Default UTC.
///
/// Why a setting: a user reads "valid until 19:05" as their own wall-clock time; a time in another zone (or a raw
/// ISO timestamp) makes a notice about an account change harder to judge ("was that me?").
public struct TenantTimeZone: Sendable, Codable, Equatable {
    /// The IANA identifier, as configured.
    public let identifier: String
    /// The zone itself.
    public var zone: TimeZone { TimeZone(identifier: identifier) ?? TimeZone(identifier: "UTC")! }

    /// UTC.
    public static let utc = TenantTimeZone(validIdentifier: "UTC")

    /// Nil unless Foundation knows the identifier (an IANA name; abbreviations such as `CET` are refused too, since
    /// some of them are ambiguous).
    public init?(identifier: String) {
        guard identifier.count <= 64, identifier == "UTC" || identifier.contains("/"), TimeZone(identifier: identifier) != nil else { return nil }
        self.identifier = identifier
    }

    private init(validIdentifier: String) { identifier = validIdentifier }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.singleValueContainer()
        let name = try c.decode(String.self)
        guard let zone = TenantTimeZone(identifier: name) else {
            throw DecodingError.dataCorruptedError(in: c, debugDescription: "time_zone '\(name.prefix(64))' is not an IANA time zone name (such as Europe/Oslo or UTC)")
        }
        self = zone
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        try c.encode(identifier)
    }
}
