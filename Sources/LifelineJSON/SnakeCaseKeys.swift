import Foundation
import Synchronization

/// Coding keys in snake_case, converted by Foundation's own `.convertToSnakeCase` (so the rules, such as
/// `HTTPHeader` → `h_ttp_header`, are exactly Foundation's) and remembered: a program has a fixed set of coding keys,
/// so the table stops growing once each has been seen. Dictionary keys, which come from data, never get here.
enum SnakeCaseKeys {
    private static let table = Memo<String, String>()

    static func convert(_ key: String) -> String { table.value(key) { foundationConversion(key) } }

    private struct AnyKey: CodingKey {
        var stringValue: String
        var intValue: Int? { nil }
        init(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }

    private struct OneKey: Encodable {
        let key: String
        func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: AnyKey.self)
            try c.encode(0, forKey: AnyKey(stringValue: key))
        }
    }

    private static func foundationConversion(_ key: String) -> String {
        let encoder = JSONEncoder()
        encoder.keyEncodingStrategy = .convertToSnakeCase
        guard let data = try? encoder.encode(OneKey(key: key)),
              let object = try? JSONDecoder().decode([String: Int].self, from: data), let converted = object.keys.first else {
            return key
        }
        return converted
    }
}

/// Whether a coding key type is the standard library's key for `[String: V]` and `[Int: V]` dictionaries, whose keys
/// are data and keep their spelling (Foundation's key strategies leave them alone too). Answered once per type.
enum DictionaryKeys {
    private static let known = Memo<ObjectIdentifier, Bool>()

    static func isDictionaryKey<Key: CodingKey>(_ type: Key.Type) -> Bool {
        known.value(ObjectIdentifier(type)) { String(reflecting: type) == "Swift._DictionaryCodingKey" }
    }
}

/// Answers computed once per key and remembered, for tables that stop growing by nature (one entry per coding key
/// or coding key type of the program).
final class Memo<Key: Hashable & Sendable, Value: Sendable>: Sendable {
    private let table = Mutex<[Key: Value]>([:])

    func value(_ key: Key, compute: () -> Value) -> Value {
        if let known = table.withLock({ $0[key] }) { return known }
        let computed = compute()
        table.withLock { $0[key] = computed }
        return computed
    }
}
