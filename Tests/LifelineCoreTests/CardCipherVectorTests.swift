import LifelineCore
import Testing

/// Published known answers for the card cipher: DES (FIPS 81, SP 800-20), 3DES (SP 800-67), AES (FIPS-197).
/// Single DES is checked as 3DES with K1 = K2 = K3 (keying option 3 of SP 800-67, which equals DES).
@Suite struct CardCipherVectorTests {
    static func bytes(_ hex: String) -> [UInt8] {
        let h = Array(hex.utf8)
        return stride(from: 0, to: h.count, by: 2).map { UInt8(String(decoding: h[$0..<$0 + 2], as: UTF8.self), radix: 16)! }
    }

    static func des(_ keyHex: String, _ plainHex: String) throws -> String {
        let key = bytes(keyHex)
        return Hex.encode(try TripleDES.encrypt(block: bytes(plainHex), key: key + key + key))
    }

    @Test("DES known answers: FIPS 81 ECB example, the classic textbook key, SP 800-20 variable plaintext and key")
    func desKnownAnswers() throws {
        // FIPS 81 Appendix B, ECB mode: "Now is the time for all " under 0123456789abcdef.
        #expect(try Self.des("0123456789abcdef", "4e6f772069732074") == "3fa40e8a984d4815")
        #expect(try Self.des("0123456789abcdef", "68652074696d6520") == "6a271787ab8883f9")
        #expect(try Self.des("0123456789abcdef", "666f7220616c6c20") == "893d51ec4b563b53")
        #expect(try Self.des("133457799bbcdff1", "0123456789abcdef") == "85e813540f0ab405")
        // SP 800-20 Table A.1 (variable plaintext, key 0101…01) and A.2 (variable key, plaintext 0).
        #expect(try Self.des("0101010101010101", "8000000000000000") == "95f8a5e5dd31d900")
        #expect(try Self.des("0101010101010101", "4000000000000000") == "dd7f121ca5015619")
        #expect(try Self.des("0101010101010101", "0000000000000001") == "166b40b44aba4bd6")
        #expect(try Self.des("8001010101010101", "0000000000000000") == "95a8d72813daa94d")
        #expect(try Self.des("4001010101010101", "0000000000000000") == "0eec1487dd8c26d5")
    }

    @Test("3DES known answer: SP 800-67 Rev. 1 Appendix B, three distinct keys")
    func tripleDESKnownAnswer() throws {
        let key = Self.bytes("0123456789abcdef" + "23456789abcdef01" + "456789abcdef0123")
        let plain = ["5468652071756663", "6b2062726f776e20", "666f78206a756d70"] // "The qufck brown fox jump"
        let cipher = ["a826fd8ce53b855f", "cce21c8112256fe6", "68d5c05dd9b6b900"]
        for (p, c) in zip(plain, cipher) {
            #expect(Hex.encode(try CardCipher.response(challenge: Self.bytes(p), key: key, algorithm: .tripleDES)) == c)
            #expect(try TripleDES.decrypt(block: Self.bytes(c), key: key) == Self.bytes(p))
        }
    }

    @Test("AES known answers: FIPS-197 Appendix C.1–C.3 and B")
    func aesKnownAnswers() throws {
        let plain = Self.bytes("00112233445566778899aabbccddeeff")
        let cases: [(CardKeyAlgorithm, String, String)] = [
            (.aes128, "000102030405060708090a0b0c0d0e0f", "69c4e0d86a7b0430d8cdb78070b4c55a"),
            (.aes192, "000102030405060708090a0b0c0d0e0f1011121314151617", "dda97ca4864cdfe06eaf70a0ec0d7191"),
            (.aes256, "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f", "8ea2b7ca516745bfeafc49904b496089"),
        ]
        for (algorithm, key, expected) in cases {
            #expect(Hex.encode(try CardCipher.response(challenge: plain, key: Self.bytes(key), algorithm: algorithm)) == expected)
        }
        let b = try CardCipher.response(challenge: Self.bytes("3243f6a8885a308d313198a2e0370734"),
                                        key: Self.bytes("2b7e151628aed2a6abf7158809cf4f3c"), algorithm: .aes128)
        #expect(Hex.encode(b) == "3925841d02dc09fbdc118597196a0b32")
    }

    @Test("DES ignores the parity bits of the key")
    func parityIgnored() throws {
        #expect(try Self.des("0023456789abcdef", "4e6f772069732074") == Self.des("0123456789abcdef", "4e6f772069732074"))
    }

    @Test("a challenge or key of the wrong length for the algorithm is refused, not padded or cut")
    func lengthsChecked() {
        let key24 = [UInt8](repeating: 7, count: 24)
        #expect(throws: LifelineError.self) { try CardCipher.response(challenge: [UInt8](repeating: 0, count: 16), key: key24, algorithm: .tripleDES) }
        #expect(throws: LifelineError.self) { try CardCipher.response(challenge: [UInt8](repeating: 0, count: 8), key: key24, algorithm: .aes192) }
        #expect(throws: LifelineError.self) { try CardCipher.response(challenge: [UInt8](repeating: 0, count: 8), key: Array(key24.prefix(16)), algorithm: .tripleDES) }
        #expect(throws: LifelineError.self) { try CardCipher.response(challenge: [UInt8](repeating: 0, count: 16), key: key24, algorithm: .aes128) }
        #expect(throws: LifelineError.self) { try CardCipher.response(challenge: [UInt8](repeating: 0, count: 16), key: key24, algorithm: .aes256) }
        for a in CardKeyAlgorithm.allCases {
            #expect(throws: Never.self) {
                try CardCipher.response(challenge: [UInt8](repeating: 1, count: a.challengeLength), key: [UInt8](repeating: 2, count: a.keyLength), algorithm: a)
            }
        }
    }
}
