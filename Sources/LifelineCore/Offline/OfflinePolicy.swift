import Crypto
import Foundation

/// A tenant's offline authentication policy (the `offline:` section of its recovery configuration, issue 17).
///
/// ```yaml
/// offline:
///   enabled: true              # default false
///   users: [alice]             # optional: only these usernames (case-insensitive) ...
///   groups: [laptop-users]     # ... or members of these groups; both absent: every user of the tenant
///   days: 7                    # days of offline data per download, 1–30 (default 7)
///   min_passcode_length: 8     # the online passcode (PIN + tokencode) must be at least this long, 6–16 (default 8)
///   max_failures: 5            # local failed verifications before the laptop wipes the user's data, 1–20 (default 5)
///   emergency_codes: true      # permit downloading offline emergency access tokencodes (default true)
///   emergency_code_days: 30    # lifetime of a token's offline emergency access tokencodes, 1–90 (default 30)
/// ```
///
/// A change of any of these keys discards every offline data already issued at the tenant (the grants end with reason
/// `policy_changed`); new data is issued at each user's next online authentication.
public struct OfflinePolicy: Sendable, Codable, Equatable {
    public var enabled: Bool
    public var users: [String]
    public var groups: [String]
    public var days: Int
    public var minPasscodeLength: Int
    public var maxFailures: Int
    public var emergencyCodes: Bool
    public var emergencyCodeDays: Int

    /// Why at most 30 days: seed 003 and RSA offer up to a month of offline days; longer means more future codes on a
    /// laptop that can be stolen. Why 6–16: a passcode below 6 symbols is searched on the laptop in no time; RSA's
    /// fixes require 8, our default. Why at most 20 failures: each failed local verification is an offline guess that
    /// only the cap bounds.
    public static let daysRange = 1...30
    public static let minPasscodeLengthRange = 6...16
    public static let maxFailuresRange = 1...20
    public static let emergencyCodeDaysRange = 1...90

    public init(enabled: Bool = false, users: [String] = [], groups: [String] = [], days: Int = 7, minPasscodeLength: Int = 8,
                maxFailures: Int = 5, emergencyCodes: Bool = true, emergencyCodeDays: Int = 30) {
        self.enabled = enabled; self.users = users; self.groups = groups; self.days = days
        self.minPasscodeLength = minPasscodeLength; self.maxFailures = maxFailures; self.emergencyCodes = emergencyCodes
        self.emergencyCodeDays = emergencyCodeDays
    }

    enum CodingKeys: String, CodingKey, CaseIterable {
        case enabled, users, groups, days
        case minPasscodeLength = "min_passcode_length", maxFailures = "max_failures", emergencyCodes = "emergency_codes"
        case emergencyCodeDays = "emergency_code_days"
    }

    public init(from decoder: any Decoder) throws {
        try ConfigKeyCheck.refuseUnknown(decoder, CodingKeys.self)
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let d = OfflinePolicy()
        enabled = try c.decodeIfPresent(Bool.self, forKey: .enabled) ?? d.enabled
        users = try c.decodeIfPresent([String].self, forKey: .users) ?? []
        groups = try c.decodeIfPresent([String].self, forKey: .groups) ?? []
        days = try c.decodeIfPresent(Int.self, forKey: .days) ?? d.days
        minPasscodeLength = try c.decodeIfPresent(Int.self, forKey: .minPasscodeLength) ?? d.minPasscodeLength
        maxFailures = try c.decodeIfPresent(Int.self, forKey: .maxFailures) ?? d.maxFailures
        emergencyCodes = try c.decodeIfPresent(Bool.self, forKey: .emergencyCodes) ?? d.emergencyCodes
        emergencyCodeDays = try c.decodeIfPresent(Int.self, forKey: .emergencyCodeDays) ?? d.emergencyCodeDays
    }

    /// Every rule these settings break, under `offline`.
    public func problems() -> [ConfigProblem] {
        var out: [ConfigProblem] = []
        let checks: [(String, Int, ClosedRange<Int>)] = [("days", days, Self.daysRange),
                                                         ("min_passcode_length", minPasscodeLength, Self.minPasscodeLengthRange),
                                                         ("max_failures", maxFailures, Self.maxFailuresRange),
                                                         ("emergency_code_days", emergencyCodeDays, Self.emergencyCodeDaysRange)]
        for (key, value, range) in checks where !range.contains(value) {
            out.append(ConfigProblem(path: ["offline", key], reason: "must be \(range.lowerBound) to \(range.upperBound)"))
        }
        // Why bounded: the lists are read on every agent authentication and shown in the console.
        if users.count > 1000 { out.append(ConfigProblem(path: ["offline", "users"], reason: "at most 1000 names")) }
        if groups.count > 100 { out.append(ConfigProblem(path: ["offline", "groups"], reason: "at most 100 groups")) }
        for g in groups where !UserGroups.isValidName(g) {
            out.append(ConfigProblem(path: ["offline", "groups"], reason: "'\(g)' is not a group name (1–64 printable characters)"))
        }
        return out
    }

    /// Whether the policy covers `username` with `groups`: enabled, and the user is named, or in a named group, or
    /// neither list is given.
    public func covers(username: String, groups userGroups: [String]) -> Bool {
        guard enabled else { return false }
        if users.isEmpty && groups.isEmpty { return true }
        let key = Validation.usernameKey(username)
        if users.contains(where: { Validation.usernameKey($0) == key }) { return true }
        let mine = Set(userGroups.map { $0.lowercased() })
        return groups.contains { mine.contains($0.lowercased()) }
    }

    /// A short stable digest of every setting (hex of SHA-256 over a canonical text), stored on each grant: a grant
    /// issued under another policy has ended.
    public var fingerprint: String {
        let text = ["v1", String(enabled), users.map { Validation.usernameKey($0) }.sorted().joined(separator: ","),
                    groups.map { $0.lowercased() }.sorted().joined(separator: ","), String(days), String(minPasscodeLength),
                    String(maxFailures), String(emergencyCodes), String(emergencyCodeDays)].joined(separator: "\n")
        return SHA256.hash(data: Array(text.utf8)).prefix(16).map { String(format: "%02x", $0) }.joined()
    }
}

/// Group names of users (local, set by an administrator or taken from the directory's group attribute), which the
/// offline policy's `groups` names.
public enum UserGroups {
    /// 1–64 printable characters, no control characters; compared case-insensitively.
    public static func isValidName(_ name: String) -> Bool {
        !name.isEmpty && name.count <= 64 && name.unicodeScalars.allSatisfy { !CharacterSet.controlCharacters.contains($0) }
            && name.trimmingCharacters(in: .whitespaces) == name
    }
    /// Why at most 100: the list is read with every agent authentication.
    public static let maxPerUser = 100
}
