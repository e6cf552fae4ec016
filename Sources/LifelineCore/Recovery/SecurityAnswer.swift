import Foundation

/// Security-question answers: normalized, then stored as a slow salted hash (``SlowHash``).
public enum SecurityAnswer {
    /// Unicode NFKC, lower case, inner white space collapsed to one space, outer removed — so `  Praha ` and
    /// `praha` (and full-width or ligature forms) are the same answer.
    public static func normalize(_ answer: String) -> String {
        let folded = answer.precomposedStringWithCompatibilityMapping.lowercased()
        return folded.split(whereSeparator: { $0.isWhitespace }).joined(separator: " ")
    }

    /// The stored hash of the normalized answer.
    public static func hash(_ answer: String, random: any RandomSource) throws -> String {
        try SlowHash.hash(normalize(answer), random: random)
    }

    /// Whether `answer` matches `stored`, compared in constant time. A malformed hash never matches.
    public static func verify(_ answer: String, against stored: String) -> Bool {
        SlowHash.verify(normalize(answer), against: stored)
    }

    /// The same work as ``verify(_:against:)`` on a fixed hash, for decoy flows (equal timing).
    public static func decoyVerify(_ answer: String) -> Bool { SlowHash.decoyVerify(normalize(answer)) }
}
