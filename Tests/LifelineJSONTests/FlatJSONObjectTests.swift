import Foundation
import LifelineJSON
import Testing

/// ``FlatJSONObject`` against JSONDecoder: whatever it accepts, JSONDecoder reads as the same dictionary; what it
/// refuses (returns nil for) is left to JSONDecoder, so it may refuse more, never accept differently.
@Suite("Flat JSON object parser")
struct FlatJSONObjectTests {
    static func foundation(_ bytes: [UInt8]) -> [String: String]? { try? JSONDecoder().decode([String: String].self, from: Data(bytes)) }

    @Test("Plain objects of strings, with and without whitespace, are parsed, exactly as JSONDecoder reads them")
    func accepted() {
        let inputs = [
            #"{"tenant":"acme","username":"alice","code":"123456"}"#,
            " \n{ \"tenant\" : \"acme\" ,\r\n\t\"username\":\"Jürgen 日本 😀\", \"code\":\"\" } \n",
            "{}", " { } ", #"{"a":"/","b":"x y","c":"'<>&"}"#,
        ]
        for text in inputs {
            let bytes = Array(text.utf8)
            let fast = FlatJSONObject.parse(bytes)
            #expect(fast != nil, "\(text)")
            #expect(fast == Self.foundation(bytes), "\(text)")
        }
    }

    @Test("Anything else is refused: escapes, other values, nesting, duplicates, trailing or missing text, bad UTF-8")
    func refused() {
        let inputs: [[UInt8]] = [
            #"{"a":"x\"y"}"#, #"{"a":"\u0041"}"#, #"{"a\n":"b"}"#, #"{"a":1}"#, #"{"a":null}"#, #"{"a":true}"#, #"{"a":{"b":"c"}}"#,
            #"{"a":["b"]}"#, #"{"a":"b","a":"c"}"#, #"{"a":"b"} x"#, #"{"a":"b"}{}"#, #"{"a":"b",}"#, #"{,"a":"b"}"#, #"{"a" "b"}"#,
            #"{"a":"b""#, #"{"a":"b"#, #"{"a""#, "{", "", " ", "[]", #""a""#, #"{'a':'b'}"#, #"{a:"b"}"#,
        ].map { Array($0.utf8) } + [
            [0x7B, 0x22, 0x61, 0x22, 0x3A, 0x22, 0xFF, 0x22, 0x7D],  // {"a":"\xFF"}: not UTF-8
            [0x7B, 0x22, 0x61, 0x22, 0x3A, 0x22, 0x01, 0x22, 0x7D],  // a raw control character
            [0x7B, 0x22, 0x61, 0x22, 0x3A, 0x22, 0xC3, 0x22, 0x7D],  // a truncated two-byte sequence
        ]
        for bytes in inputs { #expect(FlatJSONObject.parse(bytes) == nil, "\(String(decoding: bytes, as: UTF8.self))") }
    }

    @Test("2,000 random byte strings built from JSON's pieces: never accepted differently from JSONDecoder")
    func randomInputs() {
        let pieces = ["{", "}", "\"", ":", ",", " ", "a", "b", "é", "\\", "1", "[", "]", "null", "\n", "\"k\"", "\"v\""]
        var g = SystemRandomNumberGenerator()
        var accepted = 0
        for _ in 0..<2000 {
            var text = Bool.random(using: &g) ? "{\"k\":\"v\"" : ""
            for _ in 0..<Int.random(in: 0...8, using: &g) { text += pieces.randomElement(using: &g)! }
            if Bool.random(using: &g) { text += "}" }
            let bytes = Array(text.utf8)
            if let fast = FlatJSONObject.parse(bytes) {
                accepted += 1
                #expect(fast == Self.foundation(bytes), "\(text)")
            }
        }
        // The generator makes some valid flat objects ({"k":"v"} plus whitespace), so the comparison is exercised.
        #expect(accepted > 20)
    }
}
