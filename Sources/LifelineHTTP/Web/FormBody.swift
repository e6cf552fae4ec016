import Foundation
import Hummingbird

/// `application/x-www-form-urlencoded` bodies, as browsers send them from the web pages' forms.
enum FormBody {
    /// The largest form body read. Why: the biggest page (security questions) sends well under 4 KiB; a bound
    /// keeps a slow or huge upload from tying up memory.
    static let limit = 16 * 1024

    /// Reads and parses the body. A repeated name keeps its first value (no form of ours repeats a name).
    static func read(_ request: Request) async throws -> [String: String] {
        var request = request
        let buffer = try await request.readBody(upTo: limit)
        return parse(String(buffer: buffer))
    }

    /// Parses `a=1&b=x+y%21` into a map; `+` is a space, malformed escapes are kept as typed.
    static func parse(_ body: String) -> [String: String] {
        var fields: [String: String] = [:]
        for pair in body.split(separator: "&", omittingEmptySubsequences: true) {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let name = decode(parts[0])
            guard !name.isEmpty, fields[name] == nil else { continue }
            fields[name] = parts.count > 1 ? decode(parts[1]) : ""
        }
        return fields
    }

    private static func decode(_ s: Substring) -> String {
        let spaced = s.replacingOccurrences(of: "+", with: " ")
        return spaced.removingPercentEncoding ?? spaced
    }
}
