import LifelineCore

/// One SMTP reply: a three-digit code and its text lines (RFC 5321 §4.2).
struct SMTPReply: Sendable, Equatable {
    var code: Int
    var lines: [String]

    /// The keywords of an EHLO reply (first word of every line but the greeting line), upper-cased.
    var extensions: [String: [String]] {
        var result: [String: [String]] = [:]
        for line in lines.dropFirst() {
            let words = line.split(separator: " ").map { String($0) }
            guard let keyword = words.first else { continue }
            result[keyword.uppercased()] = words.dropFirst().map { $0.uppercased() }
        }
        return result
    }

    /// A description safe to store: the code and the first line, cut short and stripped of control characters.
    var summary: String {
        let text = (lines.first ?? "").unicodeScalars.filter { $0.value >= 0x20 && $0.value != 0x7f }
        return "\(code) \(String(String.UnicodeScalarView(text.prefix(160))))"
    }

    /// The error for an unexpected reply to `step`: 5xx is permanent (RFC 5321: do not repeat the same request),
    /// anything else (4xx, or a code that makes no sense here) is worth another try later.
    func error(_ step: String, includeText: Bool = true) -> DeliveryError {
        DeliveryError(permanent: (500..<600).contains(code),
                      "SMTP \(step) refused: " + (includeText ? summary : "\(code)"))
    }
}

/// Why the conversation broke off below the level of replies.
struct SMTPProtocolError: Error, CustomStringConvertible {
    var description: String
}
