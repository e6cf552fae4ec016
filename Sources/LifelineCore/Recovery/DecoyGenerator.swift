import Crypto
import Foundation

/// The decoys of one username: contacts shown where real ones are missing, and the question subset a decoy question
/// step asks from. Each is a deterministic function of the decoy key (from ``StableSecret``), the tenant, the
/// username and the tenant's ``DecoyDistribution``: the same on every attempt, on every instance, before and after a
/// key rotation.
public struct Decoys: Sendable, Equatable {
    /// Decoy numbers (E.164), all in one country.
    public var phones: [String]
    /// Decoy addresses.
    public var emails: [String]
    /// The question ids a decoy question step asks from, in catalog order.
    public var questions: [String]
}

/// Draws ``Decoys``. Each value is drawn from its own HMAC (labelled by what it is for), so a change in one part of
/// the distribution (say the phone counts) moves no other part of any decoy.
public enum DecoyGenerator {
    /// The decoys of `usernameKey` in the tenant `tenantID`, under the decoy `key`, drawn from `distribution`, with
    /// question ids from `catalog` (the tenant's questions, in catalog order).
    public static func decoys(key: SymmetricKey, tenantID: UUID, usernameKey: String, distribution d: DecoyDistribution,
                              catalog: [String]) -> Decoys {
        let prefix = "decoy|\(tenantID.uuidString.lowercased())|\(usernameKey)|"
        func mac(_ label: String) -> [UInt8] { Array(HMAC<SHA256>.authenticationCode(for: Array((prefix + label).utf8), using: key)) }
        func value(_ label: String) -> UInt64 { mac(label).prefix(8).reduce(0) { $0 << 8 | UInt64($1) } }

        // Numbers: how many, then one country for all of them (a person's numbers are mostly in one country), then
        // nine subscriber digits each (only the last three are ever shown).
        let phoneCount = DecoyDistribution.draw(d.phoneCounts, value("phones.count")) ?? 1
        let country = DecoyDistribution.draw(d.countries, value("phones.country")) ?? "+1"
        let phones = (0..<phoneCount).map { i in country + mac("phone.\(i)").prefix(9).map { String(Int($0) % 10) }.joined() }

        // Addresses: the username's first letter (as most real local parts start), letters after it; a domain each.
        let letters = Array("abcdefghijklmnoprstvw")
        let emailCount = DecoyDistribution.draw(d.emailCounts, value("emails.count")) ?? 1
        let emails = (0..<emailCount).map { i -> String in
            let bytes = mac("email.\(i).local")
            let first = usernameKey.first.flatMap { $0.isLetter && $0.isASCII ? $0 : nil } ?? letters[Int(bytes[0]) % letters.count]
            let local = String(first) + String(bytes[1...(i == 0 ? 6 : 5)].map { letters[Int($0) % letters.count] })
            return local + "@" + (DecoyDistribution.draw(d.domains, value("email.\(i).domain")) ?? "example.com")
        }

        // Questions: a subset of a size real users have, drawn by weighted sampling without replacement (exponential
        // keys: -ln(u)/w, smallest first), so questions many users answered are as common in decoys as in real sets and
        // a question nobody answered comes only after all others.
        let size = min(DecoyDistribution.draw(d.questionSetSizes, value("questions.count")) ?? catalog.count, catalog.count)
        let ranked = catalog.map { id -> (tier: Int, key: Double, id: String) in
            let u = (Double(value("question.\(id)") >> 11) + 1) / 9_007_199_254_740_992  // (0, 1], 53 bits
            let w = d.questionWeights[id] ?? 0
            return w > 0 ? (0, -log(u) / Double(w), id) : (1, -log(u), id)
        }.sorted { ($0.tier, $0.key, $0.id) < ($1.tier, $1.key, $1.id) }
        let chosen = Set(ranked.prefix(size).map(\.id))
        return Decoys(phones: phones, emails: emails, questions: catalog.filter(chosen.contains))
    }
}
