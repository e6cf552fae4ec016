import LifelineCore
import Testing

@Suite struct CardKeyTests {
    static func random(_ n: Int) -> [UInt8] { (0..<n).map { _ in UInt8.random(in: 0...255) } }

    static func refused(_ key: [UInt8], _ algorithm: CardKeyAlgorithm, _ words: String, sourceLocation: SourceLocation = #_sourceLocation) {
        do {
            try CardKey.validate(key, for: algorithm)
            Issue.record("key \(Hex.encode(key)) was accepted for \(algorithm.rawValue)", sourceLocation: sourceLocation)
        } catch {
            #expect(error.code == .invalidRequest, sourceLocation: sourceLocation)
            #expect(error.message.contains(words), "\(error.message)", sourceLocation: sourceLocation)
            #expect(!error.message.lowercased().contains(Hex.encode(key)), "the message shows the key", sourceLocation: sourceLocation)
        }
    }

    @Test("algorithms: names, key and challenge lengths")
    func algorithms() throws {
        #expect(CardKeyAlgorithm.allCases.map(\.rawValue) == ["3des", "aes128", "aes192", "aes256"])
        #expect(CardKeyAlgorithm.allCases.map(\.keyLength) == [24, 16, 24, 32])
        #expect(CardKeyAlgorithm.allCases.map(\.challengeLength) == [8, 16, 16, 16])
        #expect(try CardKeyAlgorithm.parse("aes128") == .aes128)
        #expect(throws: LifelineError.self) { try CardKeyAlgorithm.parse("AES128") }
        #expect(throws: LifelineError.self) { try CardKeyAlgorithm.parse("des") }
        #expect(throws: LifelineError.self) { try CardKeyAlgorithm.parse("aes-128") }
    }

    @Test("random keys of the right length are accepted", arguments: CardKeyAlgorithm.allCases)
    func randomKeysAccepted(_ algorithm: CardKeyAlgorithm) throws {
        for _ in 0..<200 { try CardKey.validate(Self.random(algorithm.keyLength), for: algorithm) }
    }

    @Test("wrong lengths are refused", arguments: CardKeyAlgorithm.allCases)
    func wrongLength(_ algorithm: CardKeyAlgorithm) {
        for n in [0, 8, 15, 17, 23, 25, 31, 33, 48] where n != algorithm.keyLength {
            Self.refused(Self.random(n), algorithm, "\(algorithm.keyLength * 2) hex digits")
        }
    }

    @Test("blank, default and textbook keys are refused", arguments: CardKeyAlgorithm.allCases)
    func defaultKeys(_ algorithm: CardKeyAlgorithm) {
        let n = algorithm.keyLength
        Self.refused([UInt8](repeating: 0, count: n), algorithm, "all bytes equal")
        Self.refused([UInt8](repeating: 0xFF, count: n), algorithm, "all bytes equal")
        Self.refused([UInt8](repeating: 0x5A, count: n), algorithm, "all bytes equal")
        Self.refused((0..<n).map { UInt8($0 % 8 + 1) }, algorithm, "default management key")
        Self.refused((0..<n).map { UInt8($0) }, algorithm, "published example key")
        Self.refused((0..<n).map { UInt8($0 + 1) }, algorithm, "published example key")
    }

    @Test("the well-known 3DES default 0102…08 ×3 is refused, also typed as hex with separators")
    func wellKnownDefault() {
        #expect(throws: LifelineError.self) { try CardKey.parse(hex: "010203040506070801020304050607080102030405060708", for: .tripleDES) }
        #expect(throws: LifelineError.self) { try CardKey.parse(hex: "01:02:03:04:05:06:07:08 01 02 03 04 05 06 07 08-0102030405060708", for: .tripleDES) }
        #expect(throws: LifelineError.self) { try CardKey.parse(hex: "010203040506070801020304050607080102030405060708", for: .aes192) }
    }

    @Test("3DES keys with K1 = K2 or K2 = K3 (even differing only in parity bits) are refused; K1 = K3 is allowed")
    func degenerateTripleDES() throws {
        let k1 = Self.random(8), k2 = Self.random(8), k3 = Self.random(8)
        Self.refused(k1 + k1 + k3, .tripleDES, "single DES")
        Self.refused(k1 + k3 + k3, .tripleDES, "single DES")
        Self.refused(k1 + k1 + k1, .tripleDES, "single DES")
        Self.refused(k1 + k1.map { $0 ^ 1 } + k3, .tripleDES, "single DES")
        try CardKey.validate(k1 + k2 + k1, for: .tripleDES)
        // The same bytes are fine for AES-192, where the halves mean nothing.
        try CardKey.validate(k1 + k1 + k3, for: .aes192)
    }

    @Test("3DES keys with a DES weak or semi-weak part are refused")
    func weakParts() {
        let weak = CardCipherVectorTests.bytes("01fe01fe01fe01fe")
        Self.refused(weak + Self.random(8) + Self.random(8), .tripleDES, "weak")
        Self.refused(Self.random(8) + Self.random(8) + CardCipherVectorTests.bytes("1f1f1f1f0e0e0e0e"), .tripleDES, "weak")
        Self.refused(Self.random(8) + CardCipherVectorTests.bytes("e0e0e0e0f1f1f1f0") + Self.random(8), .tripleDES, "weak") // parity off
    }

    @Test("hex input: separators and case are accepted; other characters and odd lengths are refused without echoing the key")
    func hexInput() throws {
        let key = Self.random(16)
        let hex = Hex.encode(key)
        #expect(try CardKey.parse(hex: hex.uppercased(), for: .aes128) == key)
        let spaced = stride(from: 0, to: 32, by: 4).map { i in String(Array(hex)[i..<i + 4]) }.joined(separator: " ")
        #expect(try CardKey.parse(hex: spaced, for: .aes128) == key)
        for bad in [hex + "g", String(hex.dropLast()), "0x" + hex, ""] {
            do {
                _ = try CardKey.parse(hex: bad, for: .aes128)
                Issue.record("accepted \(bad)")
            } catch {
                #expect(error.code == .invalidRequest)
                #expect(!error.message.contains(hex))
            }
        }
    }
}
