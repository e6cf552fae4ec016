/// A parser for the one shape of JSON the hottest requests have, an object whose values are all strings without
/// escapes (`{"tenant":"acme","username":"alice","code":"123456"}`), which returns nil for anything else, so that the
/// caller falls back to `JSONDecoder` (and its error messages) for every other input.
///
/// Why: decoding the validation request with `JSONDecoder` was about 4 % of a validation's CPU time.
/// What it accepts is a strict subset of JSON (RFC 8259): whitespace between tokens, valid UTF-8, no control characters
/// in strings; a backslash, a duplicate key, a non-string value or trailing text all mean nil.
public enum FlatJSONObject {
    public static func parse(_ bytes: [UInt8]) -> [String: String]? {
        bytes.withUnsafeBytes { parse($0) }
    }

    public static func parse(_ buffer: UnsafeRawBufferPointer) -> [String: String]? {
        var out: [String: String] = [:]
        let ok = { () -> Bool in
            var i = 0
            let n = buffer.count
            func skipSpace() {
                while i < n, buffer[i] == 0x20 || buffer[i] == 0x0A || buffer[i] == 0x0D || buffer[i] == 0x09 { i += 1 }
            }
            func string() -> String? {
                guard i < n, buffer[i] == UInt8(ascii: "\"") else { return nil }
                i += 1
                let start = i
                while i < n {
                    let b = buffer[i]
                    if b == UInt8(ascii: "\"") { break }
                    if b == UInt8(ascii: "\\") || b < 0x20 { return nil }
                    i += 1
                }
                guard i < n else { return nil }
                defer { i += 1 }
                return String(validating: UnsafeRawBufferPointer(rebasing: buffer[start..<i]), as: UTF8.self)
            }
            skipSpace()
            guard i < n, buffer[i] == UInt8(ascii: "{") else { return false }
            i += 1
            skipSpace()
            if i < n, buffer[i] == UInt8(ascii: "}") {
                i += 1
            } else {
                while true {
                    skipSpace()
                    guard let key = string() else { return false }
                    skipSpace()
                    guard i < n, buffer[i] == UInt8(ascii: ":") else { return false }
                    i += 1
                    skipSpace()
                    guard let value = string(), out.updateValue(value, forKey: key) == nil else { return false }
                    skipSpace()
                    guard i < n else { return false }
                    if buffer[i] == UInt8(ascii: ",") { i += 1; continue }
                    guard buffer[i] == UInt8(ascii: "}") else { return false }
                    i += 1
                    break
                }
            }
            skipSpace()
            return i == n
        }()
        return ok ? out : nil
    }
}
