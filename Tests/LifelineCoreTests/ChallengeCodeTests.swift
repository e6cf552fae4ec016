@testable import LifelineCore
import Testing

@Suite struct ChallengeCodeTests {
    static func random(_ n: Int) -> [UInt8] { (0..<n).map { _ in UInt8.random(in: 0...255) } }

    static func parse(_ s: String, _ length: Int) -> Result<[UInt8], ChallengeProblem> {
        ChallengeCode.parse(s, length: length).map(\.bytes)
    }

    /// The decimal digits of a formatted code, without spaces.
    static func digits(_ code: String) -> [Character] { Array(code.filter { $0 != " " }) }

    @Test("the worked example of docs/card-unblock.md (Damm table, decimal groups, 3DES cryptogram)")
    func documentedExample() throws {
        #expect(ChallengeCode.damm([5, 7, 2]) == 4) // Damm's own example: 572 → check digit 4.
        let challenge: [UInt8] = [0xA1, 0xB2, 0xC3, 0xD4, 0xE5, 0xF6, 0x07, 0x18]
        #expect(ChallengeCode.format(challenge, as: .hex) == "A1B2 C3D4 E5F6 0718")
        #expect(ChallengeCode.format(challenge, as: .decimal) == "11652 15900 50513 19484 36728")
        let key = CardCipherVectorTests.bytes("8c1f3a5e7b2d4c6e19f0a2b4c6d8e0f12a4c6e8091b3d5f7")
        try CardKey.validate(key, for: .tripleDES)
        let response = try CardCipher.response(challenge: challenge, key: key, algorithm: .tripleDES)
        #expect(ChallengeCode.format(response, as: .hex) == "51F7 2B71 26CA D2FB")
        #expect(ChallengeCode.format(response, as: .decimal) == "05907 62371 20138 01829 01556")
        #expect(try ChallengeCode.parse("11652 15900 50513 19484 36728", length: 8).get() == (challenge, .decimal))
    }

    @Test("hex and decimal round trips, including the smallest and largest values", arguments: [8, 16])
    func roundTrips(_ length: Int) throws {
        let samples = [[UInt8](repeating: 0, count: length), [UInt8](repeating: 0xFF, count: length), [UInt8](repeating: 0, count: length - 1) + [1]]
            + (0..<300).map { _ in Self.random(length) }
        for bytes in samples {
            for format in ChallengeFormat.allCases {
                let text = ChallengeCode.format(bytes, as: format)
                let parsed = try ChallengeCode.parse(text, length: length).get()
                #expect(parsed.bytes == bytes && parsed.format == format, "\(text)")
            }
            let decimal = ChallengeCode.format(bytes, as: .decimal)
            #expect(decimal.split(separator: " ").count == ChallengeCode.groupCount(length))
            #expect(decimal.split(separator: " ").allSatisfy { $0.count == 5 && $0.allSatisfy(\.isNumber) })
            // Unseparated, dashed, and lower-case hex with colons are the same challenge.
            #expect(try Self.parse(decimal.replacingOccurrences(of: " ", with: ""), length).get() == bytes)
            #expect(try Self.parse(decimal.replacingOccurrences(of: " ", with: "-"), length).get() == bytes)
            let colons = Hex.encode(bytes).enumerated().map { $0.offset % 2 == 1 ? "\($0.element):" : "\($0.element)" }.joined()
            #expect(try Self.parse(" " + colons + " ", length).get() == bytes)
        }
        #expect(ChallengeCode.format([UInt8](repeating: 0xFF, count: 8), as: .decimal).filter { $0 != " " }.count == 25)
    }

    @Test("every single-digit error in every group is caught and names that group", arguments: [8, 16])
    func singleDigitErrors(_ length: Int) {
        for _ in 0..<20 {
            let code = Self.digits(ChallengeCode.format(Self.random(length), as: .decimal))
            for position in code.indices {
                for digit in "0123456789" where digit != code[position] {
                    var typo = code
                    typo[position] = digit
                    let result = Self.parse(String(typo), length)
                    #expect(result == .failure(.checkDigit(group: position / 5 + 1)), "\(String(typo))")
                }
            }
        }
    }

    @Test("every transposition of two adjacent different digits inside a group is caught and names that group", arguments: [8, 16])
    func adjacentTranspositions(_ length: Int) {
        for _ in 0..<50 {
            let code = Self.digits(ChallengeCode.format(Self.random(length), as: .decimal))
            for position in code.indices where position % 5 != 4 && code[position] != code[position + 1] {
                var typo = code
                typo.swapAt(position, position + 1)
                #expect(Self.parse(String(typo), length) == .failure(.checkDigit(group: position / 5 + 1)), "\(String(typo))")
            }
        }
    }

    @Test("exhaustively: for every position and every 4-digit group, all single errors and adjacent swaps change the check")
    func exhaustiveGroupProperty() {
        var missed = 0
        for position in 1...10 {
            for n in 0..<10_000 {
                let group: [UInt8] = [UInt8(position % 10), UInt8(n / 1000), UInt8(n / 100 % 10), UInt8(n / 10 % 10), UInt8(n % 10)]
                let full = group + [ChallengeCode.damm(group)]
                guard ChallengeCode.damm(full) == 0 else { missed += 1; continue }
                for i in 1..<6 {
                    for d in 0..<10 where UInt8(d) != full[i] {
                        var typo = full; typo[i] = UInt8(d)
                        if ChallengeCode.damm(typo) == 0 { missed += 1 }
                    }
                    if i < 5 && full[i] != full[i + 1] {
                        var swapped = full; swapped.swapAt(i, i + 1)
                        if ChallengeCode.damm(swapped) == 0 { missed += 1 }
                    }
                }
            }
        }
        #expect(missed == 0)
    }

    @Test("a group typed in another position is caught (at the first of the two positions)", arguments: [8, 16])
    func wrongPosition(_ length: Int) {
        for _ in 0..<10 {
            let groups = ChallengeCode.format(Self.random(length), as: .decimal).split(separator: " ").map(String.init)
            for i in groups.indices {
                for j in groups.indices where j > i {
                    var moved = groups
                    moved.swapAt(i, j)
                    #expect(Self.parse(moved.joined(separator: " "), length) == .failure(.checkDigit(group: i + 1)))
                }
            }
            // A group left out and another one repeated.
            var repeated = groups
            repeated[1] = groups[0]
            #expect(Self.parse(repeated.joined(separator: " "), length) == .failure(.checkDigit(group: 2)))
        }
    }

    @Test("hex or decimal is decided by length and letters")
    func detection() throws {
        #expect(try ChallengeCode.parse("1234567890123456", length: 8).get().format == .hex)
        #expect(try ChallengeCode.parse("1234 5678 9012 3456", length: 8).get().bytes == [0x12, 0x34, 0x56, 0x78, 0x90, 0x12, 0x34, 0x56])
        #expect(try ChallengeCode.parse("a1b2c3d4e5f60718", length: 8).get() == ([0xA1, 0xB2, 0xC3, 0xD4, 0xE5, 0xF6, 0x07, 0x18], .hex))
        #expect(try ChallengeCode.parse("00112233445566778899AABBCCDDEEFF", length: 16).get().format == .hex)
        #expect(try ChallengeCode.parse("11652-15900-50513-19484-36728", length: 8).get().format == .decimal)
        #expect(try ChallengeCode.parse("1165215900505131948436728", length: 8).get().format == .decimal)
        // The decimal length of the other challenge size is not accepted.
        let fifty = String(repeating: "1165215900505131948436728", count: 2)
        #expect(Self.parse(fifty, 8) == .failure(.wrongLength(expectedHexDigits: 16, expectedGroups: 5)))
        #expect(Self.parse("1165215900505131948436728", 16) == .failure(.wrongLength(expectedHexDigits: 32, expectedGroups: 10)))
    }

    @Test("empty, bad characters and wrong lengths are refused before anything else")
    func refusals() {
        #expect(Self.parse("", 8) == .failure(.empty))
        #expect(Self.parse("  - : ", 8) == .failure(.empty))
        #expect(Self.parse("A1B2 C3D4 E5F6 071G", 8) == .failure(.invalidCharacters))
        #expect(Self.parse("11652/15900", 8) == .failure(.invalidCharacters))
        #expect(Self.parse("１１６５２ 15900 50513 19484 36728", 8) == .failure(.invalidCharacters)) // full-width digits
        #expect(Self.parse("A1B2 C3D4 E5F6 071", 8) == .failure(.wrongLength(expectedHexDigits: 16, expectedGroups: 5)))
        #expect(Self.parse("11652 15900 50513 19484 3672", 8) == .failure(.wrongLength(expectedHexDigits: 16, expectedGroups: 5)))
        #expect(Self.parse("11652 15900 50513 19484 36728 0", 8) == .failure(.wrongLength(expectedHexDigits: 16, expectedGroups: 5)))
        // 25 characters with a hex letter is not decimal.
        #expect(Self.parse("A1652 15900 50513 19484 36728", 8) == .failure(.wrongLength(expectedHexDigits: 16, expectedGroups: 5)))
    }

    /// Decimal groups with correct check digits for any digit string (possibly out of range).
    static func groups(_ value: String) -> String {
        let d = value.map { UInt8($0.asciiValue! - 48) }
        return stride(from: 0, to: d.count, by: 4).enumerated().map { index, start in
            let chunk = Array(d[start..<start + 4])
            return (chunk + [ChallengeCode.damm([UInt8((index + 1) % 10)] + chunk)]).map(String.init).joined()
        }.joined(separator: " ")
    }

    @Test("values above 2^64−1 or 2^128−1 are refused; the maxima are accepted")
    func range() throws {
        #expect(try Self.parse(Self.groups("18446744073709551615"), 8).get() == [UInt8](repeating: 0xFF, count: 8))
        #expect(Self.parse(Self.groups("18446744073709551616"), 8) == .failure(.outOfRange))
        #expect(Self.parse(Self.groups(String(repeating: "9", count: 20)), 8) == .failure(.outOfRange))
        let max128 = "0340282366920938463463374607431768211455"
        #expect(try Self.parse(Self.groups(max128), 16).get() == [UInt8](repeating: 0xFF, count: 16))
        #expect(Self.parse(Self.groups("0340282366920938463463374607431768211456"), 16) == .failure(.outOfRange))
        #expect(Self.parse(Self.groups(String(repeating: "9", count: 40)), 16) == .failure(.outOfRange))
    }
}
