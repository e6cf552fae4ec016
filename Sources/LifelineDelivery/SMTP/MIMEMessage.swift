import Foundation

/// A plain-text email as RFC 5322 / RFC 2045 bytes: CRLF line endings, RFC 2047 encoded words for non-ASCII
/// header text, a UTF-8 body in quoted-printable (readable for the mostly-ASCII messages we send, and 7-bit safe).
struct MIMEMessage: Sendable {
    var fromAddress: String
    var fromName: String
    var to: String
    var subject: String
    var text: String
    var date: Date
    /// Globally unique; the outbox id is used so that a repeated attempt carries the same Message-ID (receivers
    /// may then drop the duplicate).
    var messageID: String

    /// The message, ready for DATA (before dot-stuffing).
    func render() -> String {
        var headers: [String] = []
        headers.append("Date: " + Self.rfc5322Date(date))
        headers.append("Message-ID: <\(messageID)>")
        headers.append("From: " + Self.mailbox(name: fromName, address: fromAddress))
        headers.append("To: " + to)
        headers.append(Self.unstructuredHeader("Subject", subject))
        headers.append("MIME-Version: 1.0")
        headers.append("Content-Type: text/plain; charset=utf-8")
        headers.append("Content-Transfer-Encoding: quoted-printable")
        // Why: RFC 3834 — tells vacation responders and mailing lists not to answer or loop.
        headers.append("Auto-Submitted: auto-generated")
        return headers.joined(separator: "\r\n") + "\r\n\r\n" + QuotedPrintable.encode(text)
    }

    /// `Date` header text, always in UTC (e.g. `Tue, 14 Jan 2025 10:00:00 +0000`).
    static func rfc5322Date(_ date: Date) -> String {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(secondsFromGMT: 0)!
        let c = calendar.dateComponents([.year, .month, .day, .hour, .minute, .second, .weekday], from: date)
        let days = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"]
        let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
        func two(_ n: Int?) -> String { let v = n ?? 0; return v < 10 ? "0\(v)" : "\(v)" }
        return "\(days[(c.weekday ?? 1) - 1]), \(two(c.day)) \(months[(c.month ?? 1) - 1]) \(c.year ?? 1970) "
            + "\(two(c.hour)):\(two(c.minute)):\(two(c.second)) +0000"
    }

    /// `Name <address>`: a quoted string when ASCII, encoded words otherwise.
    static func mailbox(name: String, address: String) -> String {
        guard !name.isEmpty else { return address }
        if name.unicodeScalars.allSatisfy({ $0.value >= 0x20 && $0.value < 0x7f }) {
            let quoted = name.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
            return "\"\(quoted)\" <\(address)>"
        }
        return encodedWords(name).joined(separator: "\r\n ") + " <\(address)>"
    }

    /// An unstructured header (Subject): as is when short printable ASCII, otherwise RFC 2047 `B` encoded words,
    /// folded so that no line exceeds 78 characters.
    static func unstructuredHeader(_ name: String, _ value: String) -> String {
        // Why: the value is flattened to one line; a CR or LF would start a new header (header injection).
        let flat = String(String.UnicodeScalarView(value.unicodeScalars.map { $0.properties.isWhitespace ? " " : $0 }))
        let plain = flat.unicodeScalars.allSatisfy { $0.value >= 0x20 && $0.value < 0x7f }
        if plain && !flat.contains("=?") && name.count + 2 + flat.utf8.count <= 78 {
            return "\(name): \(flat)"
        }
        return "\(name): " + encodedWords(flat).joined(separator: "\r\n ")
    }

    /// `=?UTF-8?B?…?=` words of at most 75 characters, never splitting a character's UTF-8 bytes.
    static func encodedWords(_ text: String) -> [String] {
        // 42 bytes → 56 base64 characters → 68 with `=?UTF-8?B?` and `?=` (RFC 2047 §2: ≤ 75), so that even the
        // first line, after `Subject: `, stays within 78 characters (RFC 5322 §2.1.1).
        let maxBytes = 42
        var words: [String] = []
        var chunk: [UInt8] = []
        func flush() {
            guard !chunk.isEmpty else { return }
            words.append("=?UTF-8?B?" + Data(chunk).base64EncodedString() + "?=")
            chunk = []
        }
        for scalar in text.unicodeScalars {
            let bytes = Array(String(scalar).utf8)
            if chunk.count + bytes.count > maxBytes { flush() }
            chunk += bytes
        }
        flush()
        return words.isEmpty ? ["=?UTF-8?B??="] : words
    }
}

/// Quoted-printable body encoding (RFC 2045 §6.7) of UTF-8 text.
enum QuotedPrintable {
    /// Encodes `text`; every line break (`\n`, `\r\n`, `\r`) becomes CRLF, encoded lines are at most 76 characters.
    static func encode(_ text: String) -> String {
        let normalized = text.replacingOccurrences(of: "\r\n", with: "\n").replacingOccurrences(of: "\r", with: "\n")
        return normalized.split(separator: "\n", omittingEmptySubsequences: false)
            .map { encodeLine(Array($0.utf8)) }
            .joined(separator: "\r\n") + "\r\n"
    }

    private static func encodeLine(_ bytes: [UInt8]) -> String {
        var lines: [String] = []
        var current = ""
        for (i, byte) in bytes.enumerated() {
            let isLast = i == bytes.count - 1
            let literal = (byte >= 33 && byte <= 126 && byte != UInt8(ascii: "="))
                || ((byte == 0x20 || byte == 0x09) && !isLast)   // trailing white space must be encoded
            let token = literal ? String(UnicodeScalar(byte)) : "=" + hex(byte)
            // 75 leaves room for the soft line break `=` (76 in all).
            if current.utf8.count + token.utf8.count > (isLast ? 76 : 75) {
                lines.append(current + "=")
                current = ""
            }
            current += token
        }
        lines.append(current)
        return lines.joined(separator: "\r\n")
    }

    private static func hex(_ byte: UInt8) -> String {
        let digits = Array("0123456789ABCDEF")
        return String([digits[Int(byte >> 4)], digits[Int(byte & 0x0f)]])
    }
}

/// SMTP transparency (RFC 5321 §4.5.2): a line that starts with "." gets a second one, so no line of the
/// message can end the DATA phase early; then the terminating `.` line.
enum DotStuffing {
    static func apply(_ message: String) -> String {
        var out = message.hasPrefix(".") ? "." : ""
        out += message.replacingOccurrences(of: "\r\n.", with: "\r\n..")
        if !out.hasSuffix("\r\n") { out += "\r\n" }
        return out + ".\r\n"
    }
}
