import Foundation

/// How saved recovery codes look, how typed ones are read, and how they are stored (docs/recovery-codes.md).
///
/// A code is 16 characters of Crockford's base32 (80 bits from the CSPRNG), shown as `XXXX-XXXX-XXXX-XXXX`. Its first
/// two characters are its *lookup* (10 bits, stored in the clear, unique within a set) and the other 14 the secret
/// (70 bits), stored only as a salted scrypt hash. Why a lookup: validation finds the one code the input can be and runs
/// at most one slow hash per attempt, instead of one per code of the set.
public enum RecoveryCodeFormat {
    /// Crockford's base32: digits and upper-case letters without I, L, O and U (32 symbols, 5 bits each).
    public static let alphabet: [Character] = Array("0123456789ABCDEFGHJKMNPQRSTVWXYZ")
    /// Characters per code.
    public static let length = 16
    /// Leading characters that form the non-secret lookup.
    public static let lookupLength = 2
    /// Codes per set.
    public static let codesPerSet = 10

    private static let values: [UInt8: UInt8] = {
        var map: [UInt8: UInt8] = [:]
        for (i, c) in alphabet.enumerated() { map[c.asciiValue!] = UInt8(i) }
        return map
    }()

    /// A typed code in canonical form (16 upper-case characters of ``alphabet``), or nil when it cannot be one.
    ///
    /// Case-insensitive; spaces and dashes are ignored (so the printed form, with or without its separators, works);
    /// as Crockford says, `I` and `L` read as `1` and `O` as `0`. Only ASCII.
    public static func normalize(_ typed: String) -> String? {
        guard typed.utf8.count <= 64 else { return nil }
        var out: [UInt8] = []
        for var b in typed.utf8 where b != 0x20 && b != 0x2d {
            if b >= 0x61 && b <= 0x7a { b -= 0x20 }
            switch b {
            case UInt8(ascii: "I"), UInt8(ascii: "L"): b = UInt8(ascii: "1")
            case UInt8(ascii: "O"): b = UInt8(ascii: "0")
            default: break
            }
            guard values[b] != nil, out.count < length else { return nil }
            out.append(b)
        }
        guard out.count == length else { return nil }
        return String(decoding: out, as: UTF8.self)
    }

    /// The printed form: four groups of four, joined by dashes (`7KQ2-M9XD-4HPT-R0CW`).
    public static func display(_ code: String) -> String {
        let chars = Array(code)
        return stride(from: 0, to: chars.count, by: 4).map { String(chars[$0..<min($0 + 4, chars.count)]) }.joined(separator: "-")
    }

    /// The lookup of a canonical code: its first ``lookupLength`` characters.
    public static func lookup(_ code: String) -> String { String(code.prefix(lookupLength)) }

    /// What is slow-hashed: the code bound to its user, so a hash copied onto another user's row does not match.
    static func hashInput(code: String, userID: UUID) -> String {
        "recovery-code/v1\u{0}" + userID.uuidString.lowercased() + "\u{0}" + code
    }

    /// A fresh set: ``codesPerSet`` codes with pairwise different lookups, uniform over the alphabet (rejection sampling
    /// in ``RandomSource/string(length:alphabet:)``). A code whose lookup is taken is drawn again whole, so the secret part
    /// of every code stays uniform and independent.
    static func newSet(random: any RandomSource) -> [String] {
        var codes: [String] = []
        var lookups: Set<String> = []
        while codes.count < codesPerSet {
            let code = random.string(length: length, alphabet: alphabet)
            if lookups.insert(lookup(code)).inserted { codes.append(code) }
        }
        return codes
    }
}
