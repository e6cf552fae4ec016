/// RFC 4648 base32, as used for OTP secrets in `otpauth://` URIs and authenticator apps.
public enum Base32 {
    private static let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567".utf8)

    /// Encodes `bytes` without padding (authenticator apps expect none).
    public static func encode(_ bytes: [UInt8]) -> String {
        var out = [UInt8]()
        out.reserveCapacity((bytes.count * 8 + 4) / 5)
        var buffer: UInt32 = 0
        var bits = 0
        for byte in bytes {
            buffer = (buffer << 8) | UInt32(byte)
            bits += 8
            while bits >= 5 {
                out.append(alphabet[Int((buffer >> UInt32(bits - 5)) & 31)])
                bits -= 5
            }
        }
        if bits > 0 { out.append(alphabet[Int((buffer << UInt32(5 - bits)) & 31)]) }
        return String(decoding: out, as: UTF8.self)
    }

    /// Decodes base32, case-insensitively, ignoring spaces, dashes and trailing `=`; nil when invalid.
    public static func decode(_ text: String) -> [UInt8]? {
        var out = [UInt8]()
        var buffer: UInt32 = 0
        var bits = 0
        var sawPadding = false
        for ch in text.utf8 {
            if ch == UInt8(ascii: " ") || ch == UInt8(ascii: "-") { continue }
            if ch == UInt8(ascii: "=") { sawPadding = true; continue }
            if sawPadding { return nil }
            let value: UInt8
            switch ch {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"): value = ch - UInt8(ascii: "A")
            case UInt8(ascii: "a")...UInt8(ascii: "z"): value = ch - UInt8(ascii: "a")
            case UInt8(ascii: "2")...UInt8(ascii: "7"): value = ch - UInt8(ascii: "2") + 26
            default: return nil
            }
            buffer = (buffer << 5) | UInt32(value)
            bits += 5
            if bits >= 8 {
                out.append(UInt8(truncatingIfNeeded: buffer >> UInt32(bits - 8)))
                bits -= 8
            }
        }
        return out
    }
}
