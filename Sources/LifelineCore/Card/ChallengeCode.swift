/// How a card challenge (and its response) is written: hex, or decimal groups with check digits.
public enum ChallengeFormat: String, Sendable, Equatable, CaseIterable {
    /// Hex digits, written in groups of 4 upper-case digits (`0123 4567 89AB CDEF`).
    case hex
    /// The value in decimal, in groups of 4 digits each followed by a Damm check digit (docs/card-unblock.md).
    case decimal
}

/// Why a typed challenge was refused. Every case is found before anything is computed.
public enum ChallengeProblem: Error, Sendable, Equatable, CustomStringConvertible {
    /// Nothing but spaces.
    case empty
    /// A character that is neither a digit, a hex letter nor a separator (space, `-`, `:`).
    case invalidCharacters
    /// Neither the hex length nor the decimal length: the challenge is `expectedHexDigits` hex digits or
    /// `expectedGroups` groups of 5 digits.
    case wrongLength(expectedHexDigits: Int, expectedGroups: Int)
    /// A decimal group (1-based) whose check digit does not match: a digit in it is wrong, two are swapped, or
    /// the group was typed in another position.
    case checkDigit(group: Int)
    /// The decimal value does not fit the challenge's bytes (above 2⁶⁴−1 or 2¹²⁸−1).
    case outOfRange

    /// An English explanation for the person typing.
    public var description: String {
        switch self {
        case .empty: "Enter the challenge shown by the card tool."
        case .invalidCharacters: "The challenge may contain only digits, the letters A–F, spaces and dashes."
        case let .wrongLength(hex, groups): "The challenge is \(hex) hex digits or \(groups) groups of 5 digits."
        case let .checkDigit(group): "Group \(group) is mistyped: check its five digits."
        case .outOfRange: "This number is too large to be a challenge; check the digits."
        }
    }
}

/// Reading and writing card challenges and responses, hex or decimal with check digits.
///
/// The decimal form (docs/card-unblock.md): the bytes as one unsigned big-endian integer, in decimal, left-padded
/// with zeros to 20 digits (8 bytes) or 40 digits (16 bytes), split into groups of 4; each group is followed by
/// the Damm check digit of (its position mod 10, then its 4 digits). So every single wrong digit, every swap of
/// two adjacent digits, and a group typed in the wrong position is caught, and the person is told which group.
public enum ChallengeCode {
    /// Parses a typed challenge of `length` bytes (8 or 16).
    ///
    /// Hex: `2 × length` hex digits, case-insensitive, with spaces, `-` or `:` anywhere between them. Decimal:
    /// 25 (8 bytes) or 50 (16 bytes) digits, with any spaces or dashes between them. An all-digit input is hex when
    /// it has `2 × length` digits and decimal when it has 25 or 50.
    public static func parse(_ input: String, length: Int) -> Result<(bytes: [UInt8], format: ChallengeFormat), ChallengeProblem> {
        precondition(length == 8 || length == 16, "card challenges are 8 or 16 bytes")
        let groups = groupCount(length)
        var digits: [UInt8] = []
        var hasHexLetter = false
        for c in input.utf8 {
            if CardHex.isSeparator(c) || c == UInt8(ascii: "\n") || c == UInt8(ascii: "\r") { continue }
            guard let v = CardHex.value(c) else { return .failure(.invalidCharacters) }
            if v > 9 { hasHexLetter = true }
            digits.append(v)
        }
        if digits.isEmpty { return .failure(.empty) }
        if digits.count == 2 * length {
            let bytes = stride(from: 0, to: digits.count, by: 2).map { digits[$0] << 4 | digits[$0 + 1] }
            return .success((bytes, .hex))
        }
        guard !hasHexLetter, digits.count == groups * 5 else {
            return .failure(.wrongLength(expectedHexDigits: 2 * length, expectedGroups: groups))
        }
        var value: [UInt8] = []
        for group in 1...groups {
            let chunk = Array(digits[(group - 1) * 5..<group * 5])
            // Checking the group with its check digit: the Damm interim digit of the whole string is 0.
            guard damm([UInt8(group % 10)] + chunk) == 0 else { return .failure(.checkDigit(group: group)) }
            value += chunk[0..<4]
        }
        guard let bytes = Self.bytes(fromDecimal: value, length: length) else { return .failure(.outOfRange) }
        return .success((bytes, .decimal))
    }

    /// Writes `bytes` (8 or 16) in `format`: hex as upper-case groups of 4 separated by spaces; decimal as groups of
    /// 4 digits plus check digit, separated by spaces.
    public static func format(_ bytes: [UInt8], as format: ChallengeFormat) -> String {
        switch format {
        case .hex:
            let hex = Array(Hex.encode(bytes).uppercased())
            return stride(from: 0, to: hex.count, by: 4).map { String(hex[$0..<min($0 + 4, hex.count)]) }.joined(separator: " ")
        case .decimal:
            precondition(bytes.count == 8 || bytes.count == 16, "card challenges are 8 or 16 bytes")
            let digits = decimalDigits(of: bytes, width: groupCount(bytes.count) * 4)
            return (1...groupCount(bytes.count)).map { group in
                let chunk = Array(digits[(group - 1) * 4..<group * 4])
                let check = damm([UInt8(group % 10)] + chunk)
                return String(decoding: (chunk + [check]).map { $0 + UInt8(ascii: "0") }, as: UTF8.self)
            }.joined(separator: " ")
        }
    }

    /// The number of 5-digit decimal groups for a challenge of `length` bytes: 5 for 8 bytes, 10 for 16.
    public static func groupCount(_ length: Int) -> Int { length == 8 ? 5 : 10 }

    // MARK: Damm

    /// The Damm quasigroup (H. M. Damm, 2004): a weakly totally anti-symmetric quasigroup of order 10 with zeros
    /// on the diagonal, as published with the algorithm. It detects every single-digit error and every adjacent
    /// transposition.
    static let dammTable: [[UInt8]] = [
        [0, 3, 1, 7, 5, 9, 8, 6, 4, 2],
        [7, 0, 9, 2, 1, 5, 4, 8, 6, 3],
        [4, 2, 0, 6, 8, 7, 1, 3, 5, 9],
        [1, 7, 5, 0, 9, 8, 3, 4, 2, 6],
        [6, 1, 2, 3, 0, 4, 5, 9, 7, 8],
        [3, 6, 7, 4, 2, 0, 9, 5, 8, 1],
        [5, 8, 6, 9, 7, 2, 0, 1, 3, 4],
        [8, 9, 4, 5, 3, 6, 2, 0, 1, 7],
        [9, 4, 3, 8, 6, 1, 7, 2, 0, 5],
        [2, 5, 8, 1, 4, 3, 6, 7, 9, 0],
    ]

    /// The Damm interim digit of `digits`: the check digit to append, or 0 when `digits` ends with a valid one.
    static func damm(_ digits: [UInt8]) -> UInt8 {
        digits.reduce(0) { dammTable[Int($0)][Int($1)] }
    }

    // MARK: big-endian bytes ↔ decimal digits

    /// The decimal digits of the big-endian unsigned integer `bytes`, left-padded with zeros to `width`.
    static func decimalDigits(of bytes: [UInt8], width: Int) -> [UInt8] {
        var number = bytes
        var digits: [UInt8] = []
        while number.contains(where: { $0 != 0 }) {
            // Long division by 10, most significant byte first.
            var remainder = 0
            for i in number.indices {
                let current = remainder << 8 | Int(number[i])
                number[i] = UInt8(current / 10)
                remainder = current % 10
            }
            digits.append(UInt8(remainder))
        }
        while digits.count < width { digits.append(0) }
        return digits.reversed()
    }

    /// The `length` big-endian bytes of the decimal number `digits`, or nil when it does not fit.
    static func bytes(fromDecimal digits: [UInt8], length: Int) -> [UInt8]? {
        var number = [UInt8](repeating: 0, count: length)
        for d in digits {
            // number = number × 10 + d, least significant byte first; a carry out of the top byte is overflow.
            var carry = Int(d)
            for i in number.indices.reversed() {
                let current = Int(number[i]) * 10 + carry
                number[i] = UInt8(current & 0xff)
                carry = current >> 8
            }
            if carry != 0 { return nil }
        }
        return number
    }
}
