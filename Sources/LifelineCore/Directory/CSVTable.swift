import Foundation

/// A CSV text read as RFC 4180 says: fields separated by commas, records by CRLF or LF; a field in double quotes may
/// hold commas, line breaks and doubled quotes (`""`). Each record keeps the line number where it starts (1 = the
/// first line), so a refusal can name it.
public struct CSVTable: Sendable, Equatable {
    public struct Record: Sendable, Equatable {
        public var line: Int
        public var fields: [String]
    }

    public var records: [Record]

    /// Parses `text`. Throws ``LifelineError/Code/invalidRequest`` naming the line for a quote that is never closed
    /// or text after a closing quote. Blank lines are skipped.
    public init(_ text: String) throws(LifelineError) {
        var records: [Record] = []
        var fields: [String] = []
        var field = ""
        var line = 1, start = 1
        var quoted = false, wasQuoted = false, afterQuote = false
        var chars = Array(text.unicodeScalars)[...]
        if chars.first == "\u{FEFF}" { chars = chars.dropFirst() }  // a byte order mark some spreadsheets write
        func endRecord() {
            fields.append(field)
            if !(fields.count == 1 && fields[0].isEmpty && !wasQuoted) { records.append(Record(line: start, fields: fields)) }
            fields = []; field = ""; wasQuoted = false; afterQuote = false
        }
        var i = chars.startIndex
        while i < chars.endIndex {
            let c = chars[i]
            i = chars.index(after: i)
            if quoted {
                if c == "\"" {
                    if i < chars.endIndex, chars[i] == "\"" { field.unicodeScalars.append("\""); i = chars.index(after: i) }
                    else { quoted = false; afterQuote = true }
                } else {
                    if c == "\n" { line += 1 }
                    field.unicodeScalars.append(c)
                }
                continue
            }
            switch c {
            case ",":
                fields.append(field); field = ""; afterQuote = false
            case "\r" where i < chars.endIndex && chars[i] == "\n":
                continue
            case "\n", "\r":
                endRecord(); line += 1; start = line
            case "\"" where field.isEmpty && !afterQuote:
                quoted = true; wasQuoted = true
            default:
                guard !afterQuote else { throw LifelineError(.invalidRequest, "line \(line): text after a closing quote (a quote inside a field must be doubled)") }
                field.unicodeScalars.append(c)
            }
        }
        if quoted { throw LifelineError(.invalidRequest, "line \(start): a quoted field is never closed") }
        if !field.isEmpty || !fields.isEmpty || wasQuoted { endRecord() }
        self.records = records
    }
}
