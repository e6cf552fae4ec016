/// The rules an imported card admin key must pass, and its hex input form.
///
/// Why refuse some keys although they "work": the unblock response is only as secret as the card's admin key.
/// A card still on a factory or textbook key can be unblocked by anyone who knows that key, without Lifeline —
/// storing such a key would give the impression of protection that does not exist, so the import refuses it and
/// the administrator must personalize the card first.
public enum CardKey {
    /// The PIV / YubiKey default management key `01 02 … 08` repeated: the 3DES default before YubiKey
    /// firmware 5.7, the AES-192 default since, and a common placeholder on other cards and in CMS tools.
    static let defaultPattern: [UInt8] = [1, 2, 3, 4, 5, 6, 7, 8]

    /// The 4 weak and 12 semi-weak DES keys (FIPS 74 / SP 800-67 §3.3.2), parity bits set as published.
    static let weakDESKeys: [UInt64] = [
        0x0101_0101_0101_0101, 0xFEFE_FEFE_FEFE_FEFE, 0xE0E0_E0E0_F1F1_F1F1, 0x1F1F_1F1F_0E0E_0E0E,
        0x011F_011F_010E_010E, 0x1F01_1F01_0E01_0E01, 0x01E0_01E0_01F1_01F1, 0xE001_E001_F101_F101,
        0x01FE_01FE_01FE_01FE, 0xFE01_FE01_FE01_FE01, 0x1FE0_1FE0_0EF1_0EF1, 0xE01F_E01F_F10E_F10E,
        0x1FFE_1FFE_0EFE_0EFE, 0xFE1F_FE1F_FE0E_FE0E, 0xE0FE_E0FE_F1FE_F1FE, 0xFEE0_FEE0_FEF1_FEF1,
    ]

    /// Parses a key typed as hex (case-insensitive; spaces, `-` and `:` between digits allowed) and checks it
    /// with ``validate(_:for:)``. Messages never contain the key.
    public static func parse(hex text: String, for algorithm: CardKeyAlgorithm) throws(LifelineError) -> [UInt8] {
        guard let key = CardHex.decode(text) else {
            throw LifelineError(.invalidRequest, "key must be hexadecimal (\(algorithm.keyLength * 2) hex digits for \(algorithm.rawValue))")
        }
        try validate(key, for: algorithm)
        return key
    }

    /// Checks a card admin key; throws ``LifelineError/Code/invalidRequest`` with the rule it breaks.
    ///
    /// The rules, each with its reason:
    /// - the length must be the algorithm's (24 bytes for 3DES and AES-192, 16 for AES-128, 32 for AES-256);
    /// - all bytes equal (all zeros, all `FF`, …): factory/blank keys, and the first thing an attacker tries;
    /// - `01 02 03 04 05 06 07 08` repeated: the published PIV/YubiKey default management key;
    /// - the ascending byte sequence `00 01 02 …` or `01 02 03 …`: the key of the FIPS-197 / SP 800-38A
    ///   examples and a common placeholder — a key copied from a textbook is public;
    /// - 3DES only: K1 = K2 or K2 = K3 (compared without the parity bits, which DES ignores), because
    ///   E(K3, D(K2, E(K1, x))) then collapses to single DES (56 bits, brute-forceable). K1 = K3 is allowed:
    ///   that is two-key 3DES (SP 800-67 keying option 2), which many cards use;
    /// - 3DES only: any of K1, K2, K3 a DES weak or semi-weak key, for which encryption and decryption
    ///   coincide (or pair up); no randomly generated key is one (probability about 2⁻⁵²), so it marks a
    ///   made-up key.
    public static func validate(_ key: [UInt8], for algorithm: CardKeyAlgorithm) throws(LifelineError) {
        guard key.count == algorithm.keyLength else {
            throw LifelineError(.invalidRequest, "a \(algorithm.rawValue) key must be \(algorithm.keyLength * 2) hex digits (\(algorithm.keyLength) bytes)")
        }
        // Comparisons against the fixed patterns are written without data-dependent exits, like ConstantTime,
        // so that the time an import takes says nothing about how close a key is to a default.
        if ConstantTime.equals(key, [UInt8](repeating: key[0], count: key.count)) {
            throw LifelineError(.invalidRequest, "the key has all bytes equal (a blank or default key); personalize the card with a random key first")
        }
        let defaultKey = (0..<key.count).map { defaultPattern[$0 % 8] }
        if ConstantTime.equals(key, defaultKey) {
            throw LifelineError(.invalidRequest, "the key is the well-known default management key 0102030405060708…; personalize the card with a random key first")
        }
        let ascendingFrom0 = (0..<key.count).map { UInt8($0) }
        let ascendingFrom1 = (0..<key.count).map { UInt8($0 + 1) }
        if ConstantTime.equals(key, ascendingFrom0) || ConstantTime.equals(key, ascendingFrom1) {
            throw LifelineError(.invalidRequest, "the key is a published example key (00 01 02 … or 01 02 03 …); use a random key")
        }
        guard algorithm == .tripleDES else { return }
        let parts = [0, 8, 16].map { key[$0..<$0 + 8].map { $0 & 0xFE } }
        if ConstantTime.equals(parts[0], parts[1]) || ConstantTime.equals(parts[1], parts[2]) {
            throw LifelineError(.invalidRequest, "3DES key parts K1 and K2, or K2 and K3, are equal, which reduces 3DES to single DES; use a random key")
        }
        var weak = false
        for part in parts {
            for w in weakDESKeys {
                let published = TripleDES.bytes(w).map { $0 & 0xFE }
                weak = ConstantTime.equals(part, published) || weak
            }
        }
        if weak {
            throw LifelineError(.invalidRequest, "a part of the 3DES key is a DES weak or semi-weak key; use a random key")
        }
    }
}

/// Hex decoding for card keys and challenges: case-insensitive, with spaces, tabs, `-` and `:` allowed as
/// separators anywhere between digits.
enum CardHex {
    /// The bytes, or nil when a character is neither a hex digit nor a separator, or the digit count is odd.
    static func decode(_ text: String) -> [UInt8]? {
        var nibbles: [UInt8] = []
        for c in text.utf8 {
            if isSeparator(c) { continue }
            guard let v = value(c) else { return nil }
            nibbles.append(v)
        }
        guard !nibbles.isEmpty, nibbles.count % 2 == 0 else { return nil }
        return stride(from: 0, to: nibbles.count, by: 2).map { nibbles[$0] << 4 | nibbles[$0 + 1] }
    }

    static func isSeparator(_ c: UInt8) -> Bool {
        c == UInt8(ascii: " ") || c == UInt8(ascii: "\t") || c == UInt8(ascii: "-") || c == UInt8(ascii: ":")
    }

    static func value(_ c: UInt8) -> UInt8? {
        switch c {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): c - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): c - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): c - UInt8(ascii: "A") + 10
        default: nil
        }
    }
}
