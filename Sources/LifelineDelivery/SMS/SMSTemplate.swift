import Foundation

/// Fills the field templates of an ``SMSGatewayConfiguration`` and encodes them.
enum SMSTemplate {
    /// Replaces `{{to}}`, `{{text}}` and `{{from}}` in one left-to-right pass. Why one pass: the text is not
    /// ours (it may hold a user's name); a `{{to}}` inside it must stay literal, not be expanded again.
    static func fill(_ template: String, values: [String: String]) -> String {
        var out = ""
        var rest = template[...]
        while let open = rest.range(of: "{{") {
            out += rest[..<open.lowerBound]
            let after = rest[open.upperBound...]
            if let close = after.range(of: "}}"), let value = values[String(after[..<close.lowerBound])] {
                out += value
                rest = after[close.upperBound...]
            } else {
                out += "{{"
                rest = after
            }
        }
        return out + rest
    }

    /// `application/x-www-form-urlencoded` (WHATWG URL standard): UTF-8, everything but `A–Z a–z 0–9 * - . _`
    /// percent-encoded, space as `+` in bodies and `%20` in query strings.
    static func formEncode(_ pairs: [(String, String)], spaceAsPlus: Bool) -> String {
        pairs.map { percentEncode($0.0, spaceAsPlus) + "=" + percentEncode($0.1, spaceAsPlus) }.joined(separator: "&")
    }

    private static func percentEncode(_ s: String, _ spaceAsPlus: Bool) -> String {
        var out = ""
        for byte in s.utf8 {
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
                 UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "*"), UInt8(ascii: "-"), UInt8(ascii: "."),
                 UInt8(ascii: "_"):
                out.unicodeScalars.append(UnicodeScalar(byte))
            case UInt8(ascii: " ") where spaceAsPlus:
                out += "+"
            default:
                out += String(format: "%%%02X", byte)
            }
        }
        return out
    }

    /// One JSON object of string members, in the given order (RFC 8259 string escaping).
    static func jsonObject(_ pairs: [(String, String)]) -> String {
        "{" + pairs.map { jsonString($0.0) + ":" + jsonString($0.1) }.joined(separator: ",") + "}"
    }

    static func jsonString(_ s: String) -> String {
        var out = "\""
        for scalar in s.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case _ where scalar.value < 0x20 || scalar.value == 0x2028 || scalar.value == 0x2029:
                out += String(format: "\\u%04x", scalar.value)
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out + "\""
    }
}
