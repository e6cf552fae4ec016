import Foundation

/// What decoy contacts and question subsets are drawn from: a tenant's real distribution (``RecoveryStatistics``)
/// made safe to show and stable to draw from.
///
/// - Safe: a domain, a country code or a count that fewer than ``minUsers`` users share is never drawn; its users
///   are pooled into the most common value. Why: a decoy showing `z***.io` when one employee uses `zz-unique.io`
///   would point at that person (and confirm the domain to anyone who guesses it).
/// - Stable: weights are quantized to ``quantum`` steps of the total, so a user added or removed changes no weight
///   unless a share crosses a step; a draw is an inverse CDF over the weights in a fixed order, so a changed weight
///   moves only the usernames whose draw falls in the shifted part (at most the changed weight over ``quantum``).
/// - With no real users (a new tenant): the tenant's `emailDomain` and `defaultCountryCode`, one or two entries.
public struct DecoyDistribution: Sendable, Equatable {
    /// One drawable value and its quantized weight.
    public struct Entry<Value: Sendable & Equatable>: Sendable, Equatable {
        /// The value shown (a domain, a country code, a count).
        public var value: Value
        /// Its weight in 1/``DecoyDistribution/quantum`` steps of all users.
        public var weight: Int
    }

    /// The least number of users that must share a domain, country or count before decoys use it. Why 3: with 2, each
    /// of the pair learns the other's domain from a decoy; 3 is the smallest group in which a shown value names no one.
    public static let minUsers = 3
    /// The quantization of weights: a value's weight is its share of users in 1/32 steps (at least 1).
    public static let quantum = 32

    /// Email domains.
    public var domains: [Entry<String>]
    /// Phone country codes (`+47`).
    public var countries: [Entry<String>]
    /// Numbers of phones per user (≥ 1: a real user without one is shown decoys too).
    public var phoneCounts: [Entry<Int>]
    /// Numbers of addresses per user (≥ 1).
    public var emailCounts: [Entry<Int>]
    /// Sizes of the question subset: of real users' answered sets, those a question step can use.
    public var questionSetSizes: [Entry<Int>]
    /// Quantized weight of each catalog question (users who answered it); 0 for a question nobody answered.
    public var questionWeights: [String: Int]

    /// The distribution of a tenant with these statistics and configuration.
    public init(_ stats: RecoveryStatistics, config: RecoveryConfig) {
        let fallbackCounts = [Entry(value: 1, weight: 3), Entry(value: 2, weight: 1)]
        domains = Self.quantized(Self.pooled(stats.emailDomains)).nonEmpty ?? [Entry(value: config.emailDomain, weight: 1)]
        countries = Self.quantized(Self.pooled(stats.phoneCountries)).nonEmpty ?? [Entry(value: config.defaultCountryCode, weight: 1)]
        phoneCounts = Self.quantized(Self.pooled(stats.phoneCounts.filter { $0.key >= 1 })).nonEmpty ?? fallbackCounts
        emailCounts = Self.quantized(Self.pooled(stats.emailCounts.filter { $0.key >= 1 })).nonEmpty ?? fallbackCounts
        // A real user shows their own questions only when they answered at least as many as the step asks; with fewer
        // they get a decoy step too. So decoy subsets imitate the sets that are shown: sizes ≥ the largest step.
        let catalog = config.questions.map(\.id)
        let asked = config.methods.compactMap { ($0.settings as? QuestionsSettings)?.effectiveQuestionCount }.max() ?? 1
        var sizes: [Int: Int] = [:]
        for (size, users) in stats.answerCounts where size >= asked { sizes[min(size, catalog.count), default: 0] += users }
        questionSetSizes = Self.quantized(Self.pooled(sizes)).nonEmpty ?? [Entry(value: catalog.count, weight: 1)]
        let answered = catalog.map { stats.questionUsers[$0] ?? 0 }
        let most = answered.max() ?? 0
        questionWeights = Dictionary(uniqueKeysWithValues: zip(catalog, answered.map { users in
            most == 0 ? 1 : (users == 0 ? 0 : max(1, Int((Double(users) * Double(Self.quantum) / Double(most)).rounded())))
        }))
    }

    /// Values at least ``minUsers`` users share; the users of all others added to the most common one (ties: the
    /// smallest value). Empty when no value is shared by enough users.
    static func pooled<V: Hashable & Comparable>(_ counts: [V: Int]) -> [V: Int] {
        var kept = counts.filter { $0.value >= minUsers }
        guard let top = kept.max(by: { $0.value < $1.value || ($0.value == $1.value && $0.key > $1.key) }) else { return [:] }
        kept[top.key, default: 0] += counts.filter { $0.value < minUsers }.values.reduce(0, +)
        return kept
    }

    /// Weights in 1/``quantum`` steps of the total, at least 1 each, in ascending order of value (a fixed order, so
    /// the inverse CDF of ``draw(_:_:)`` does not depend on how the counts were read).
    static func quantized<V: Comparable>(_ counts: [V: Int]) -> [Entry<V>] {
        let total = counts.values.reduce(0, +)
        guard total > 0 else { return [] }
        return counts.keys.sorted().map { value in
            Entry(value: value, weight: max(1, Int((Double(counts[value]!) * Double(quantum) / Double(total)).rounded())))
        }
    }

    /// The entry whose slice of the cumulative weights holds `r` modulo the total weight (an inverse CDF).
    static func draw<V>(_ entries: [Entry<V>], _ r: UInt64) -> V? {
        let total = entries.reduce(0) { $0 + $1.weight }
        guard total > 0 else { return nil }
        var x = Int(r % UInt64(total))
        for entry in entries {
            if x < entry.weight { return entry.value }
            x -= entry.weight
        }
        return entries.last?.value
    }
}

extension Array {
    /// Nil when empty.
    fileprivate var nonEmpty: [Element]? { isEmpty ? nil : self }
}
