import Foundation

/// Aggregates over a tenant's active users that decoy flows imitate (``RecoveryStore/recoveryStatistics(tenantID:)``).
///
/// Only counts of users, keyed by a domain, a country code, a number or a question id: never a local part, never a
/// number's digits. ``DecoyDistribution`` then drops every domain or country fewer than ``DecoyDistribution/minUsers``
/// users share before any of it is shown.
public struct RecoveryStatistics: Sendable, Equatable {
    /// Users with at least one verified address in each domain (lower-cased).
    public var emailDomains: [String: Int]
    /// Users with at least one verified number in each country code (`+47`, see ``ContactFormat/countryCode(_:)``).
    public var phoneCountries: [String: Int]
    /// Users by their number of verified phone numbers (only counts ≥ 1).
    public var phoneCounts: [Int: Int]
    /// Users by their number of verified addresses (only counts ≥ 1).
    public var emailCounts: [Int: Int]
    /// Users by their number of answered questions (only counts ≥ 1).
    public var answerCounts: [Int: Int]
    /// Users who answered each question, by question id.
    public var questionUsers: [String: Int]

    public init(emailDomains: [String: Int] = [:], phoneCountries: [String: Int] = [:], phoneCounts: [Int: Int] = [:],
                emailCounts: [Int: Int] = [:], answerCounts: [Int: Int] = [:], questionUsers: [String: Int] = [:]) {
        self.emailDomains = emailDomains; self.phoneCountries = phoneCountries; self.phoneCounts = phoneCounts
        self.emailCounts = emailCounts; self.answerCounts = answerCounts; self.questionUsers = questionUsers
    }

    /// A tenant without users.
    public static let empty = RecoveryStatistics()
}
