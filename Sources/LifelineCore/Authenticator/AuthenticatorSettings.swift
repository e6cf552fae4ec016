import Foundation
import LifelineAuthenticatorKit

/// A tenant's Lifeline Authenticator settings (the `authenticator:` section of its recovery configuration).
public struct AuthenticatorSettings: Sendable, Codable, Equatable {
    /// Digits of a PIN set at this organization (4–8; default 4). The app's one PIN must be at least this long when it
    /// is set or changed here.
    public var pinLength: Int
    /// How long a displayed UBC stays usable, in hours (1–168; default 24, seed 002).
    public var ubcLifetimeHours: Int
    /// How long "Reset PIN with the user present" stays open, in minutes (1–30; default 10).
    public var pinResetMinutes: Int

    /// Why 4–8: the code constructions' PIN lengths (``AuthenticatorCode/pinLengths``). Why at most 168 hours: a UBC
    /// is read out for a user who is waiting; a week covers a weekend and a trip, longer only widens the window in
    /// which a leaked one is good. Why at most 30 minutes for a reset: the user is at the desk with the operator.
    public static let pinLengthRange = AuthenticatorCode.pinLengths
    public static let ubcLifetimeHoursRange = 1...168
    public static let pinResetMinutesRange = 1...30

    public init(pinLength: Int = 4, ubcLifetimeHours: Int = 24, pinResetMinutes: Int = 10) {
        self.pinLength = pinLength; self.ubcLifetimeHours = ubcLifetimeHours; self.pinResetMinutes = pinResetMinutes
    }

    enum CodingKeys: String, CodingKey, CaseIterable {
        case pinLength = "pin_length", ubcLifetimeHours = "ubc_lifetime_hours", pinResetMinutes = "pin_reset_minutes"
    }

    public init(from decoder: any Decoder) throws {
        try ConfigKeyCheck.refuseUnknown(decoder, CodingKeys.self)
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let d = AuthenticatorSettings()
        pinLength = try c.decodeIfPresent(Int.self, forKey: .pinLength) ?? d.pinLength
        ubcLifetimeHours = try c.decodeIfPresent(Int.self, forKey: .ubcLifetimeHours) ?? d.ubcLifetimeHours
        pinResetMinutes = try c.decodeIfPresent(Int.self, forKey: .pinResetMinutes) ?? d.pinResetMinutes
    }

    /// Every rule these settings break, under `authenticator`.
    public func problems() -> [ConfigProblem] {
        var out: [ConfigProblem] = []
        let checks: [(String, Int, ClosedRange<Int>)] = [("pin_length", pinLength, Self.pinLengthRange),
                                                         ("ubc_lifetime_hours", ubcLifetimeHours, Self.ubcLifetimeHoursRange),
                                                         ("pin_reset_minutes", pinResetMinutes, Self.pinResetMinutesRange)]
        for (key, value, range) in checks where !range.contains(value) {
            out.append(ConfigProblem(path: ["authenticator", key], reason: "must be \(range.lowerBound) to \(range.upperBound)"))
        }
        return out
    }
}
