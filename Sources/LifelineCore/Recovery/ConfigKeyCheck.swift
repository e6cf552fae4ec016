import Foundation

/// Refusal of keys a tenant configuration does not know (`tenant apply`, the admin API's `PUT …/recovery`).
///
/// Why: a misspelt `wrong_per_stp: 2` or `code_lenght: 8` would otherwise be dropped without a word, and the operator
/// would believe a limit had changed while the default still applies. Only input is checked: a decoder whose
/// `userInfo[ConfigKeyCheck.strict]` is `true` refuses; the store reads its own rows leniently, so a key retired in a
/// later version never makes a stored configuration unreadable.
public enum ConfigKeyCheck {
    /// Set to `true` in a decoder's `userInfo` to refuse unknown keys.
    public static let strict = CodingUserInfoKey(rawValue: "lifeline.config.strictKeys")!

    private struct AnyKey: CodingKey {
        var stringValue: String
        var intValue: Int? { nil }
        init(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }

    /// Throws a ``ConfigProblem`` naming the first key of the object being decoded that is not one of `Keys`
    /// (`limits.wrong_per_stp: is not a known key (…)`), when the decoder is strict.
    public static func refuseUnknown<Keys: CodingKey & CaseIterable>(_ decoder: any Decoder, _ keys: Keys.Type) throws {
        try refuseUnknown(decoder, known: Keys.allCases.map(\.stringValue))
    }

    /// Like ``refuseUnknown(_:_:)`` with the known keys as strings (a method's settings add `id` and `type`).
    public static func refuseUnknown(_ decoder: any Decoder, known: [String]) throws {
        guard decoder.userInfo[strict] as? Bool == true else { return }
        let present = try decoder.container(keyedBy: AnyKey.self).allKeys.map(\.stringValue)
        if let unknown = present.filter({ !known.contains($0) }).sorted().first {
            throw ConfigProblem(path: decoder.codingPath.map { $0.intValue.map(String.init) ?? $0.stringValue } + [unknown],
                                reason: "is not a known key (known here: \(known.sorted().joined(separator: ", ")))")
        }
    }
}
