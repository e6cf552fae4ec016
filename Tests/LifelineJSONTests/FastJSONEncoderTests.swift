import Foundation
@testable import LifelineJSON
import LifelineCore
import Testing

/// ``FastJSONEncoder`` against its oracle, Foundation's `JSONEncoder`: with sorted keys the two must write the same
/// bytes; without, the same value (Foundation's key order is a hash order).
@Suite("Fast JSON encoder")
struct FastJSONEncoderTests {
    struct Scalars: Codable, Equatable {
        var text: String
        var int: Int
        var int8: Int8
        var uint64: UInt64
        var int64: Int64
        var flag: Bool
        var double: Double
        var float: Float
        var date: Date
        var id: UUID
        var blob: Data
        var link: URL
        var maybe: Int?
        var missing: String?
        var list: [String]
        var nested: [[Int]]
        var table: [String: String]
        var numbered: [Int: Bool]
        var optionalList: [Int?]
        var emptyObject: [String: Int]
        var HTTPHeader: String
        var myURLValue: Int
        var alreadySnake_case: Int
    }

    enum Shape: Codable, Equatable {
        case circle(radius: Int)
        case box(width: Int, height: Int, label: String?)
        case dot
    }

    struct Shapes: Codable, Equatable { var shapes: [Shape]; var kind: Kind }
    enum Kind: String, Codable { case firstKind, secondKind }

    class Base: Codable { var baseValue = 1 }
    final class Derived: Base {
        var ownValue = "x"
        override init() { super.init() }
        required init(from decoder: any Decoder) throws { fatalError("not used") }
        enum CodingKeys: String, CodingKey { case ownValue }
        override func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(ownValue, forKey: .ownValue)
            try super.encode(to: c.superEncoder())
        }
    }

    /// The API's options (snake_case, sorted, RFC 3339 dates, slashes as they are) in both encoders.
    static let apiOptions = FastJSONEncoder(snakeCaseKeys: true, sortedKeys: true, escapeSlashes: false, dates: .iso8601)
    static func foundationAPI() -> JSONEncoder {
        let e = JSONEncoder()
        e.keyEncodingStrategy = .convertToSnakeCase
        e.dateEncodingStrategy = .iso8601
        e.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return e
    }
    /// The flow state's options (milliseconds, escaped slashes), sorted here so the bytes can be compared.
    static let stateOptions = FastJSONEncoder(sortedKeys: true, dates: .millisecondsSince1970)
    static func foundationState() -> JSONEncoder {
        let e = JSONEncoder()
        e.dateEncodingStrategy = .millisecondsSince1970
        e.outputFormatting = [.sortedKeys]
        return e
    }

    static func same<T: Encodable>(_ value: T, sourceLocation: SourceLocation = #_sourceLocation) throws {
        let api = String(decoding: try apiOptions.encode(value), as: UTF8.self)
        let apiOracle = String(decoding: try foundationAPI().encode(value), as: UTF8.self)
        #expect(api == apiOracle, "ours: \(api)\nFoundation: \(apiOracle)", sourceLocation: sourceLocation)
        let state = String(decoding: try stateOptions.encode(value), as: UTF8.self)
        let stateOracle = String(decoding: try foundationState().encode(value), as: UTF8.self)
        #expect(state == stateOracle, "ours: \(state)\nFoundation: \(stateOracle)", sourceLocation: sourceLocation)
    }

    /// Random text with the characters JSON escapes, slashes, non-ASCII letters, emoji and U+2028.
    static func randomText<G: RandomNumberGenerator>(_ g: inout G) -> String {
        let pieces: [String] = ["a", "Z", "0", " ", "\"", "\\", "/", "\n", "\r", "\t", "\u{8}", "\u{c}", "\u{0}", "\u{1}", "\u{1f}",
                                "\u{7f}", "é", "ß", "日本", "😀", "\u{2028}", "<", "&", "'", "{", "]"]
        return (0..<Int.random(in: 0...12, using: &g)).map { _ in pieces.randomElement(using: &g)! }.joined()
    }

    static func randomScalars<G: RandomNumberGenerator>(_ g: inout G) -> Scalars {
        let doubles: [Double] = [0, -0.0, 1, -1, 0.1, 1.5, 1e-7, 123456789.125, 1e20, 1e300, 5e-324, .pi,
                                 Double(Int64.max), Double.random(in: -1e6...1e6, using: &g), Double.random(in: 0...1, using: &g)]
        return Scalars(
            text: randomText(&g), int: Int.random(in: .min ... .max, using: &g), int8: Int8.random(in: .min ... .max, using: &g),
            uint64: UInt64.random(in: .min ... .max, using: &g), int64: Int64.random(in: .min ... .max, using: &g),
            flag: Bool.random(using: &g), double: doubles.randomElement(using: &g)!, float: Float.random(in: -1000...1000, using: &g),
            // 1900 to 2200, with a fraction of a second: also before 1970, where whole seconds round towards the past.
            date: Date(timeIntervalSince1970: Double.random(in: -2_208_988_800 ... 7_258_118_400, using: &g)),
            id: UUID(), blob: Data((0..<Int.random(in: 0...40, using: &g)).map { _ in UInt8.random(in: 0...255, using: &g) }),
            link: URL(string: ["https://example.com/a/b?c=d&e=%20", "mailto:a@b.c", "relative/path"].randomElement(using: &g)!)!,
            maybe: Bool.random(using: &g) ? Int.random(in: -5...5, using: &g) : nil, missing: nil,
            list: (0..<Int.random(in: 0...4, using: &g)).map { _ in randomText(&g) },
            nested: [[1, 2], [], [Int.random(in: -9...9, using: &g)]],
            table: Dictionary(uniqueKeysWithValues: (0..<Int.random(in: 0...5, using: &g)).map { i in ("k\(i)" + randomText(&g), randomText(&g)) }),
            numbered: [1: true, -20: false, 300: Bool.random(using: &g)],
            optionalList: [1, nil, 3], emptyObject: [:], HTTPHeader: "h", myURLValue: 2, alreadySnake_case: 3)
    }

    @Test("500 random values of every scalar, container and special type: the same bytes as JSONEncoder")
    func randomValues() throws {
        var g = SystemRandomNumberGenerator()
        for _ in 0..<500 { try Self.same(Self.randomScalars(&g)) }
    }

    @Test("Dates on and around the edges of days, months, leap years and 1970")
    func dates() throws {
        let instants: [Double] = [0, -0.5, -1, -1.5, 0.999, 59.999, 86_399.999, 86_400, 951_782_400, 951_868_800, 4_107_542_400,
                                  1_709_164_800, 253_402_300_799, -2_208_988_800, -12_219_292_800]
        for t in instants { try Self.same(["at": Date(timeIntervalSince1970: t)]) }
    }

    @Test("Enums with associated values (nested containers), raw-value enums, a subclass with superEncoder")
    func containers() throws {
        try Self.same(Shapes(shapes: [.circle(radius: 3), .box(width: 1, height: 2, label: nil), .box(width: 0, height: 0, label: "a/b"), .dot],
                             kind: .secondKind))
        try Self.same(Derived())
        try Self.same([Derived(), Derived()])
    }

    @Test("A top-level scalar, an empty array and object, optionals in arrays")
    func topLevel() throws {
        try Self.same("just / text")
        try Self.same(42)
        try Self.same([Int]())
        try Self.same([String: Int]())
        try Self.same([Optional<String>.none, "x"])
    }

    @Test("Not a number and infinity are refused, as by JSONEncoder")
    func nonFinite() {
        #expect(throws: EncodingError.self) { try Self.apiOptions.encode(["x": Double.nan]) }
        #expect(throws: EncodingError.self) { try Self.apiOptions.encode([Float.infinity]) }
        #expect(throws: EncodingError.self) { try JSONEncoder().encode([Double.nan]) }
    }

    @Test("Without sorted keys: the keys in the order encoded, and the value JSONDecoder reads back is the same")
    func unsortedRoundTrip() throws {
        var g = SystemRandomNumberGenerator()
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .millisecondsSince1970
        for _ in 0..<100 {
            let value = Self.randomScalars(&g)
            let bytes = try FastJSONEncoder().encode(value)
            var back = try decoder.decode(Scalars.self, from: Data(bytes))
            // Milliseconds as a double: the same rounding as Foundation's own round trip.
            let viaFoundation = try decoder.decode(Scalars.self, from: try foundationStateUnsorted().encode(value))
            #expect(back.date == viaFoundation.date)
            back.date = value.date
            var expected = value
            expected.date = value.date
            #expect(back == expected)
        }
        let order = String(decoding: try FastJSONEncoder().encode(Kind.firstKind), as: UTF8.self)
        #expect(order == "\"firstKind\"")
        struct Ordered: Encodable { var zeta = 1; var alpha = 2; var mid = 3 }
        #expect(String(decoding: try FastJSONEncoder().encode(Ordered()), as: UTF8.self) == #"{"zeta":1,"alpha":2,"mid":3}"#)
    }

    func foundationStateUnsorted() -> JSONEncoder {
        let e = JSONEncoder()
        e.dateEncodingStrategy = .millisecondsSince1970
        return e
    }

    @Test("A recovery flow in every phase (Lifeline's largest stored document): the same bytes, and it reads back equal")
    func recoveryFlow() throws {
        let profile = RecoveryProfile(userID: UUID(), phones: ["+4915112345678"], emails: ["a@example.com"],
                                      answeredQuestions: ["pet", "city"], hasTOTP: true, decoyPhones: ["+49170000000"], decoyEmails: [],
                                      decoyQuestions: ["pet", "school"])
        var flow = RecoveryFlow(id: UUID(), tenantID: UUID(), tenant: "demo", username: "Jürgen \"J\" /x", userID: UUID(), language: "de",
                                createdAt: Date(), expiresAt: Date().addingTimeInterval(900.123))
        flow.profile = profile
        flow.definitionID = "sms-totp"
        var code = ContactCodeState(contacts: ["+4915112345678"])
        code.chosenContact = 0
        code.codeDigest = "abc/def+="
        code.codeExpiresAt = Date().addingTimeInterval(300)
        code.lastSentAt = Date()
        code.sends = 1
        flow.step = StepState(methodID: "sms", type: .sms, decoy: false, state: code)
        flow.grants = [ActionGrant(action: .resetPassword, expiresAt: Date().addingTimeInterval(600))]
        flow.notices = [FlowNotice("code_sent", .info, args: ["maskedNumber": "+49 *** 678"])]
        for phase in [FlowPhase.chooseFlow, .verified] {
            flow.phase = phase
            try Self.same(flow)
            let decoder = JSONDecoder()
            decoder.dateDecodingStrategy = .millisecondsSince1970
            let back = try decoder.decode(RecoveryFlow.self, from: Data(try FastJSONEncoder().encode(flow)))
            let reference = try decoder.decode(RecoveryFlow.self, from: try foundationStateUnsorted().encode(flow))
            #expect(back == reference)
        }
    }

    @Test("Snake case keys come from Foundation's conversion; dictionary keys are never converted")
    func keys() throws {
        #expect(SnakeCaseKeys.convert("expiresAt") == "expires_at")
        #expect(SnakeCaseKeys.convert("HTTPHeader") == "h_ttp_header")
        #expect(SnakeCaseKeys.convert("already_snake") == "already_snake")
        #expect(DictionaryKeys.isDictionaryKey(JSONIndexKey.self) == false)
        let text = String(decoding: try Self.apiOptions.encode(["camelKey": ["innerKey": 1]]), as: UTF8.self)
        #expect(text == #"{"camelKey":{"innerKey":1}}"#)
    }
}
