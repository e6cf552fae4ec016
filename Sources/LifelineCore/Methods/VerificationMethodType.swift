import Foundation

/// The stable type id of a verification method (`sms`, `email`, `questions`, `totp`, …). Each method's folder
/// declares its own constant (`VerificationMethodType.sms`).
public struct VerificationMethodType: RawRepresentable, Hashable, Sendable, Codable, CustomStringConvertible {
    public let rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue }
    public init(_ rawValue: String) { self.rawValue = rawValue }
    public var description: String { rawValue }
}
