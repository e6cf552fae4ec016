import Foundation

/// One card of a CSV import file (`username,serial,algorithm,key`), as written; checked by
/// ``AdminService/importCards(tenantName:_:caller:)``.
public struct CardImportLine: Sendable, Equatable {
    /// The line number in the file (the header is line 1).
    public var line: Int
    public var username: String
    public var serial: String
    public var algorithm: String
    public var key: String

    public init(line: Int, username: String, serial: String, algorithm: String, key: String) {
        self.line = line; self.username = username; self.serial = serial; self.algorithm = algorithm; self.key = key
    }

    /// The header the file must start with.
    public static let header = ["username", "serial", "algorithm", "key"]

    /// Parses a CSV file: a header `username,serial,algorithm,key`, then one card per line. Fields may be quoted
    /// with `"` (a quote inside doubled); blank lines are skipped; CRLF line ends are fine. Throws
    /// ``LifelineError/Code/invalidRequest`` listing every malformed line as `line N: …`. Messages never contain
    /// a key.
    public static func parseCSV(_ text: String) throws(LifelineError) -> [CardImportLine] {
        var lines: [CardImportLine] = []
        var problems: [String] = []
        var sawHeader = false
        // "\r\n" is one Character in Swift, so it is a separator of its own.
        for (index, line) in text.split(omittingEmptySubsequences: false, whereSeparator: { $0 == "\n" || $0 == "\r\n" || $0 == "\r" }).enumerated() {
            let number = index + 1
            if line.allSatisfy({ $0 == " " || $0 == "\t" }) { continue }
            guard let fields = fields(of: line) else {
                problems.append("line \(number): unbalanced quotes")
                continue
            }
            if !sawHeader {
                let names = fields.map { $0.trimmingCharacters(in: .whitespaces).lowercased() }
                guard names == header else {
                    throw LifelineError(.invalidRequest, "line \(number): the header must be \(header.joined(separator: ","))")
                }
                sawHeader = true
                continue
            }
            guard fields.count == 4 else {
                problems.append("line \(number): expected 4 fields (username,serial,algorithm,key), found \(fields.count)")
                continue
            }
            let f = fields.map { $0.trimmingCharacters(in: .whitespaces) }
            lines.append(CardImportLine(line: number, username: f[0], serial: f[1], algorithm: f[2], key: f[3]))
        }
        guard sawHeader else { throw LifelineError(.invalidRequest, "the file is empty; it needs the header \(header.joined(separator: ","))") }
        guard problems.isEmpty else { throw LifelineError(.invalidRequest, problems.joined(separator: "\n")) }
        guard !lines.isEmpty else { throw LifelineError(.invalidRequest, "the file has no cards after its header") }
        return lines
    }

    /// The comma-separated fields of one line, or nil when a quoted field is not closed.
    private static func fields(of line: Substring) -> [String]? {
        var fields: [String] = []
        var current = ""
        var quoted = false
        var chars = line.makeIterator()
        var pending: Character? = nil
        while let c = pending ?? chars.next() {
            pending = nil
            if quoted {
                if c == "\"" {
                    if let next = chars.next() {
                        if next == "\"" { current.append("\"") } else { quoted = false; pending = next }
                    } else {
                        quoted = false
                    }
                } else {
                    current.append(c)
                }
            } else if c == "\"" && current.allSatisfy({ $0 == " " }) {
                quoted = true
                current = ""
            } else if c == "," {
                fields.append(current)
                current = ""
            } else {
                current.append(c)
            }
        }
        guard !quoted else { return nil }
        fields.append(current)
        return fields
    }
}
