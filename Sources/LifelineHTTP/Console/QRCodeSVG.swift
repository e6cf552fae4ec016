/// A QR code (ISO/IEC 18004, byte mode, error correction level M, versions 1–10) of a text as inline SVG, for the
/// enrolment page's `otpauth://` URI, so that an authenticator app can scan it. Drawn on the server, with no script
/// and no image request (the CSP allows neither inline script nor other origins). Written after Project Nayuki's
/// reference description of the algorithm; the browser test decodes the drawn code with zbarimg.
enum QRCodeSVG {
    /// The SVG of `text`, or nil when it is longer than version 10-M holds (213 bytes).
    static func svg(_ text: String, label: String = "QR code") -> String? {
        guard let matrix = QRMatrix.encode(Array(text.utf8)) else { return nil }
        let size = matrix.count, quiet = 4, full = size + 2 * quiet
        var path = ""
        for y in 0..<size {
            for x in 0..<size where matrix[y][x] { path += "M\(x + quiet) \(y + quiet)h1v1h-1z" }
        }
        return "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 \(full) \(full)\" role=\"img\" aria-label=\"\(HTMLEscaping.escape(label))\""
            + " shape-rendering=\"crispEdges\"><rect width=\"\(full)\" height=\"\(full)\" fill=\"#fff\"/><path d=\"\(path)\" fill=\"#000\"/></svg>"
    }
}

/// The module matrix of a QR code (true: dark), `matrix[row][column]`.
enum QRMatrix {
    /// Per version 1–10 at level M: EC codewords per block, and the blocks' data codeword counts.
    static let blocks: [(ec: Int, data: [Int])] = [
        (10, [16]), (16, [28]), (26, [44]), (18, [32, 32]), (24, [43, 43]), (16, [27, 27, 27, 27]), (18, [31, 31, 31, 31]),
        (22, [38, 38, 39, 39]), (22, [36, 36, 36, 37, 37]), (26, [43, 43, 43, 43, 44]),
    ]
    /// Alignment pattern centres per version 1–10.
    static let alignment: [[Int]] = [[], [6, 18], [6, 22], [6, 26], [6, 30], [6, 34], [6, 22, 38], [6, 24, 42], [6, 26, 46], [6, 28, 50]]

    static func encode(_ bytes: [UInt8]) -> [[Bool]]? {
        guard let version = (1...10).first(where: { v in
            let capacity = blocks[v - 1].data.reduce(0, +) * 8
            return 4 + (v < 10 ? 8 : 16) + bytes.count * 8 <= capacity
        }) else { return nil }
        let layout = blocks[version - 1]
        let capacity = layout.data.reduce(0, +)
        // Mode "byte" (0100), the length, the bytes, a terminator, padding to a byte, then the pad codewords.
        var bits: [Bool] = []
        func put(_ value: Int, _ count: Int) { for i in stride(from: count - 1, through: 0, by: -1) { bits.append((value >> i) & 1 == 1) } }
        put(0b0100, 4)
        put(bytes.count, version < 10 ? 8 : 16)
        for b in bytes { put(Int(b), 8) }
        put(0, min(4, capacity * 8 - bits.count))
        while bits.count % 8 != 0 { bits.append(false) }
        var data: [UInt8] = stride(from: 0, to: bits.count, by: 8).map { i in bits[i..<i + 8].reduce(0) { $0 << 1 | ($1 ? 1 : 0) } }
        var pad: UInt8 = 0xEC
        while data.count < capacity { data.append(pad); pad = pad == 0xEC ? 0x11 : 0xEC }
        // Split into blocks, add each block's Reed–Solomon codewords, interleave.
        var dataBlocks: [[UInt8]] = [], ecBlocks: [[UInt8]] = []
        var offset = 0
        for count in layout.data {
            let block = Array(data[offset..<offset + count])
            offset += count
            dataBlocks.append(block)
            ecBlocks.append(ReedSolomon.remainder(block, degree: layout.ec))
        }
        var codewords: [UInt8] = []
        for i in 0..<(layout.data.max() ?? 0) { for b in dataBlocks where i < b.count { codewords.append(b[i]) } }
        for i in 0..<layout.ec { for b in ecBlocks { codewords.append(b[i]) } }
        var best: (score: Int, matrix: [[Bool]])? = nil
        for mask in 0..<8 {
            var q = QRCanvas(version: version)
            q.drawFunctionPatterns()
            q.drawCodewords(codewords)
            q.applyMask(mask)
            q.drawFormatBits(mask)
            let score = q.penalty()
            if best == nil || score < best!.score { best = (score, q.modules) }
        }
        return best?.matrix
    }
}

/// Reed–Solomon error correction over GF(2^8) with the QR polynomial 0x11D.
enum ReedSolomon {
    static func multiply(_ x: UInt8, _ y: UInt8) -> UInt8 {
        var z = 0
        for i in stride(from: 7, through: 0, by: -1) {
            z = (z << 1) ^ ((z >> 7) * 0x11D)
            z ^= Int((y >> UInt8(i)) & 1) * Int(x)
        }
        return UInt8(z)
    }

    /// The generator polynomial's coefficients (highest first, leading 1 dropped) of `degree`.
    static func divisor(_ degree: Int) -> [UInt8] {
        var result = [UInt8](repeating: 0, count: degree)
        result[degree - 1] = 1
        var root: UInt8 = 1
        for _ in 0..<degree {
            for j in 0..<degree {
                result[j] = multiply(result[j], root)
                if j + 1 < degree { result[j] ^= result[j + 1] }
            }
            root = multiply(root, 0x02)
        }
        return result
    }

    static func remainder(_ data: [UInt8], degree: Int) -> [UInt8] {
        let div = divisor(degree)
        var result = [UInt8](repeating: 0, count: degree)
        for b in data {
            let factor = b ^ result.removeFirst()
            result.append(0)
            for i in 0..<degree { result[i] ^= multiply(div[i], factor) }
        }
        return result
    }
}

/// One QR symbol being drawn: modules and which of them are function patterns (never masked).
struct QRCanvas {
    let version: Int
    let size: Int
    var modules: [[Bool]]
    var isFunction: [[Bool]]

    init(version: Int) {
        self.version = version
        size = version * 4 + 17
        modules = Array(repeating: Array(repeating: false, count: size), count: size)
        isFunction = modules
    }

    mutating func set(_ x: Int, _ y: Int, _ dark: Bool) { modules[y][x] = dark; isFunction[y][x] = true }

    mutating func drawFunctionPatterns() {
        for i in 0..<size { set(6, i, i % 2 == 0); set(i, 6, i % 2 == 0) }
        for (x, y) in [(3, 3), (size - 4, 3), (3, size - 4)] {
            for dy in -4...4 {
                for dx in -4...4 {
                    let xx = x + dx, yy = y + dy
                    guard (0..<size).contains(xx), (0..<size).contains(yy) else { continue }
                    let d = max(abs(dx), abs(dy))
                    set(xx, yy, d != 2 && d != 4)
                }
            }
        }
        let centres = QRMatrix.alignment[version - 1]
        for (i, cy) in centres.enumerated() {
            for (j, cx) in centres.enumerated() {
                // Not on the three finder patterns.
                if (i == 0 && j == 0) || (i == 0 && j == centres.count - 1) || (i == centres.count - 1 && j == 0) { continue }
                for dy in -2...2 { for dx in -2...2 { set(cx + dx, cy + dy, max(abs(dx), abs(dy)) != 1) } }
            }
        }
        drawFormatBits(0) // reserves the areas; drawn again with the chosen mask
        if version >= 7 {
            var rem = version
            for _ in 0..<12 { rem = (rem << 1) ^ ((rem >> 11) * 0x1F25) }
            let bits = version << 12 | rem
            for i in 0..<18 {
                let dark = (bits >> i) & 1 == 1
                let a = size - 11 + i % 3, b = i / 3
                set(a, b, dark); set(b, a, dark)
            }
        }
    }

    /// The 15 format bits (level M, `mask`) in both copies, and the dark module.
    mutating func drawFormatBits(_ mask: Int) {
        let data = 0 << 3 | mask // level M's format bits are 00
        var rem = data
        for _ in 0..<10 { rem = (rem << 1) ^ ((rem >> 9) * 0x537) }
        let bits = (data << 10 | rem) ^ 0x5412
        func bit(_ i: Int) -> Bool { (bits >> i) & 1 == 1 }
        for i in 0...5 { set(8, i, bit(i)) }
        set(8, 7, bit(6)); set(8, 8, bit(7)); set(7, 8, bit(8))
        for i in 9..<15 { set(14 - i, 8, bit(i)) }
        for i in 0..<8 { set(size - 1 - i, 8, bit(i)) }
        for i in 8..<15 { set(8, size - 15 + i, bit(i)) }
        set(8, size - 8, true)
    }

    mutating func drawCodewords(_ data: [UInt8]) {
        var i = 0
        var right = size - 1
        while right >= 1 {
            if right == 6 { right = 5 }
            for vert in 0..<size {
                for j in 0..<2 {
                    let x = right - j
                    let upward = (right + 1) & 2 == 0
                    let y = upward ? size - 1 - vert : vert
                    if !isFunction[y][x] && i < data.count * 8 {
                        modules[y][x] = (data[i >> 3] >> (7 - UInt8(i & 7))) & 1 == 1
                        i += 1
                    }
                }
            }
            right -= 2
        }
    }

    mutating func applyMask(_ mask: Int) {
        for y in 0..<size {
            for x in 0..<size where !isFunction[y][x] {
                let invert: Bool
                switch mask {
                case 0: invert = (x + y) % 2 == 0
                case 1: invert = y % 2 == 0
                case 2: invert = x % 3 == 0
                case 3: invert = (x + y) % 3 == 0
                case 4: invert = (x / 3 + y / 2) % 2 == 0
                case 5: invert = x * y % 2 + x * y % 3 == 0
                case 6: invert = (x * y % 2 + x * y % 3) % 2 == 0
                default: invert = ((x + y) % 2 + x * y % 3) % 2 == 0
                }
                if invert { modules[y][x].toggle() }
            }
        }
    }

    /// The standard penalty of the drawn symbol (runs, 2×2 blocks, finder-like patterns, dark balance); lower is better.
    func penalty() -> Int {
        var score = 0
        let finderA: [Bool] = [true, false, true, true, true, false, true, false, false, false, false]
        let finderB: [Bool] = Array(finderA.reversed())
        for line in 0..<size {
            for vertical in [false, true] {
                let row = (0..<size).map { vertical ? modules[$0][line] : modules[line][$0] }
                var run = 1
                for i in 1...size {
                    if i < size && row[i] == row[i - 1] { run += 1; continue }
                    if run >= 5 { score += 3 + run - 5 }
                    run = 1
                }
                if size >= 11 {
                    for i in 0...(size - 11) where Array(row[i..<i + 11]) == finderA || Array(row[i..<i + 11]) == finderB { score += 40 }
                }
            }
        }
        for y in 0..<(size - 1) {
            for x in 0..<(size - 1) {
                let c = modules[y][x]
                if c == modules[y][x + 1] && c == modules[y + 1][x] && c == modules[y + 1][x + 1] { score += 3 }
            }
        }
        let dark = modules.reduce(0) { $0 + $1.filter { $0 }.count }, total = size * size
        score += ((abs(dark * 20 - total * 10) + total - 1) / total - 1) * 10
        return score
    }
}
