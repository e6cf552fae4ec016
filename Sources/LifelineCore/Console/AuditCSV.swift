import Foundation

/// The audit log as CSV (RFC 4180): a header line, then one line per event, CRLF line ends, every field quoted
/// when it holds a comma, a quote, CR or LF (quotes doubled).
///
/// Why the formula guard: a CSV file is opened in a spreadsheet, which runs a cell starting with `=`, `+`, `-` or
/// `@` as a formula (and tab or CR can precede one), e.g. `=HYPERLINK(...)` that sends data away. Audit fields hold
/// text from outside (a username, a subject, a reason), so such a cell gets a leading apostrophe, which spreadsheets
/// show as text (OWASP "CSV injection"). The apostrophe changes what the file says, so it is added only then.
public enum AuditCSV {
    public static let header = "time,tenant,chain,seq,actor,subject,event,outcome,reason,source\r\n"

    public static func row(_ e: AuditEvent) -> String {
        let r = e.record
        let time = e.record.time.formatted(.iso8601)
        return [time, r.tenant ?? "", e.chain, String(e.seq), r.actor, r.subject, r.event, r.outcome, r.reason, r.source]
            .map(field).joined(separator: ",") + "\r\n"
    }

    /// One field: neutralized (a leading `'` before `= + - @`, tab or CR), then quoted if needed.
    public static func field(_ raw: String) -> String {
        var value = raw
        if let first = value.unicodeScalars.first, ["=", "+", "-", "@", "\t", "\r"].contains(first) { value = "'" + value }
        guard value.contains(where: { $0 == "," || $0 == "\"" || $0 == "\r" || $0 == "\n" || $0 == "\r\n" }) else { return value }
        return "\"" + value.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }
}
