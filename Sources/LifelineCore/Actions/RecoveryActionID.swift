import Foundation

/// The stable id of a recovery action (`reset-password`): what a tenant configuration lists under a flow's
/// `actions`, what a grant is for, and the last part of the action's URLs. Each action declares its own constant
/// next to its type (`RecoveryActionID.resetPassword` lives in Actions/ResetPassword/).
public struct RecoveryActionID: RawRepresentable, Hashable, Sendable, Codable, ExpressibleByStringLiteral, CustomStringConvertible {
    public let rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue }
    public init(stringLiteral value: String) { rawValue = value }
    public var description: String { rawValue }

    /// Reads an id. A tenant configuration (a decoder with ``ConfigKeyCheck/strict``) may name only the actions of
    /// ``ActionRegistry/standard``, refused with the error the former enum gave (`… has an invalid value`).
    /// Why lenient otherwise: the store reads its own flows and configurations, which were checked on their way in,
    /// so an action retired in a later version never makes a stored flow unreadable (it is then "no such action").
    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        let raw = try container.decode(String.self)
        if decoder.userInfo[ConfigKeyCheck.strict] as? Bool == true, ActionRegistry.standard.action(RecoveryActionID(rawValue: raw)) == nil {
            throw DecodingError.dataCorruptedError(in: container, debugDescription: "Cannot initialize RecoveryAction from invalid String value \(raw)")
        }
        rawValue = raw
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(rawValue)
    }

    /// The assurance this action needs (``RecoveryAction/assurance``); an id no action of the standard registry has
    /// needs ``ActionAssurance/twoFactors``.
    public var assurance: ActionAssurance { ActionAssurance.required(for: rawValue) }
}
