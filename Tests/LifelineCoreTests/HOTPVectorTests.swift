import LifelineCore
import Testing

/// Published vectors: RFC 4226 Appendix D (HOTP) and RFC 6238 Appendix B (TOTP, 8 digits, three hashes).
@Suite struct HOTPVectorTests {
    static let rfc4226Secret = Array("12345678901234567890".utf8)

    @Test(arguments: Array(zip(0..<10, ["755224", "287082", "359152", "969429", "338314", "254676", "287922", "162583", "399871", "520489"])))
    func rfc4226AppendixD(counter: Int, expected: String) {
        #expect(HOTP.code(secret: Self.rfc4226Secret, counter: UInt64(counter), digits: 6, algorithm: .sha1) == expected)
    }

    static let rfc6238: [(Int64, String, String, String)] = [
        (59, "94287082", "46119246", "90693936"),
        (1_111_111_109, "07081804", "68084774", "25091201"),
        (1_111_111_111, "14050471", "67062674", "99943326"),
        (1_234_567_890, "89005924", "91819424", "93441116"),
        (2_000_000_000, "69279037", "90698825", "38618901"),
        (20_000_000_000, "65353130", "77737706", "47863826"),
    ]

    @Test(arguments: rfc6238)
    func rfc6238AppendixB(vector: (Int64, String, String, String)) {
        let (time, sha1, sha256, sha512) = vector
        let step = UInt64(HOTP.timeStep(unixTime: time, period: 30))
        #expect(HOTP.code(secret: Array("12345678901234567890".utf8), counter: step, digits: 8, algorithm: .sha1) == sha1)
        #expect(HOTP.code(secret: Array("12345678901234567890123456789012".utf8), counter: step, digits: 8, algorithm: .sha256) == sha256)
        #expect(HOTP.code(secret: Array("1234567890123456789012345678901234567890123456789012345678901234".utf8), counter: step, digits: 8, algorithm: .sha512) == sha512)
    }

    @Test func codesAreZeroPadded() {
        // RFC 6238 vector at 1111111109 starts with a zero: padding must keep it.
        let code = HOTP.code(secret: Array("12345678901234567890".utf8), counter: UInt64(1_111_111_109 / 30), digits: 8, algorithm: .sha1)
        #expect(code == "07081804")
        #expect(code.count == 8)
    }

    @Test func timeStepFloors() {
        #expect(HOTP.timeStep(unixTime: 0, period: 30) == 0)
        #expect(HOTP.timeStep(unixTime: 29, period: 30) == 0)
        #expect(HOTP.timeStep(unixTime: 30, period: 30) == 1)
        #expect(HOTP.timeStep(unixTime: 119, period: 60) == 1)
        #expect(HOTP.timeStep(unixTime: -1, period: 30) == -1)
    }
}
