/// Writes a ``JSONNode`` tree as JSON text, escaping strings as Foundation's `JSONEncoder` does.
struct JSONTextWriter {
    let sortedKeys: Bool
    let escapeSlashes: Bool
    private(set) var bytes: [UInt8] = []

    init(sortedKeys: Bool, escapeSlashes: Bool) {
        self.sortedKeys = sortedKeys
        self.escapeSlashes = escapeSlashes
        bytes.reserveCapacity(512)
    }

    mutating func write(_ node: JSONNode) {
        switch node {
        case .string(let s): writeString(s)
        case .literal(let s): bytes.append(contentsOf: s.utf8)
        case .array(let box):
            bytes.append(UInt8(ascii: "["))
            for (i, item) in box.items.enumerated() {
                if i > 0 { bytes.append(UInt8(ascii: ",")) }
                write(item)
            }
            bytes.append(UInt8(ascii: "]"))
        case .object(let box):
            bytes.append(UInt8(ascii: "{"))
            if sortedKeys && box.keys.count > 1 {
                // Foundation's order: the keys' UTF-8 bytes, compared lexicographically.
                let order = box.keys.indices.sorted { box.keys[$0].utf8.lexicographicallyPrecedes(box.keys[$1].utf8) }
                for (n, i) in order.enumerated() { member(n, box.keys[i], box.values[i]) }
            } else {
                for i in box.keys.indices { member(i, box.keys[i], box.values[i]) }
            }
            bytes.append(UInt8(ascii: "}"))
        }
    }

    private mutating func member(_ n: Int, _ key: String, _ value: JSONNode) {
        if n > 0 { bytes.append(UInt8(ascii: ",")) }
        writeString(key)
        bytes.append(UInt8(ascii: ":"))
        write(value)
    }

    private static let hex: [UInt8] = Array("0123456789abcdef".utf8)

    /// A JSON string: `"` and `\` escaped, control characters as `\b \f \n \r \t` or `\u00xx`, `/` as `\/` when asked;
    /// everything else (all non-ASCII text included) as it is.
    mutating func writeString(_ s: String) {
        bytes.append(UInt8(ascii: "\""))
        var s = s
        s.withUTF8 { utf8 in
            var start = 0
            for i in 0..<utf8.count {
                let b = utf8[i]
                let escape: Bool
                switch b {
                case 0x22, 0x5C: escape = true
                case 0x2F: escape = escapeSlashes
                default: escape = b < 0x20
                }
                guard escape else { continue }
                if start < i { bytes.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[start..<i])) }
                start = i + 1
                bytes.append(UInt8(ascii: "\\"))
                switch b {
                case 0x22: bytes.append(UInt8(ascii: "\""))
                case 0x5C: bytes.append(UInt8(ascii: "\\"))
                case 0x2F: bytes.append(UInt8(ascii: "/"))
                case 0x08: bytes.append(UInt8(ascii: "b"))
                case 0x0C: bytes.append(UInt8(ascii: "f"))
                case 0x0A: bytes.append(UInt8(ascii: "n"))
                case 0x0D: bytes.append(UInt8(ascii: "r"))
                case 0x09: bytes.append(UInt8(ascii: "t"))
                default:
                    bytes.append(contentsOf: [UInt8(ascii: "u"), UInt8(ascii: "0"), UInt8(ascii: "0"), Self.hex[Int(b >> 4)], Self.hex[Int(b & 0xF)]])
                }
            }
            if start < utf8.count { bytes.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[start...])) }
        }
        bytes.append(UInt8(ascii: "\""))
    }
}
