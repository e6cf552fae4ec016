/// A recursive-descent parser of RFC 4515 filter strings, over the UTF-8 bytes.
struct LDAPFilterParser {
    private let bytes: [UInt8]
    private var i = 0
    /// Why a limit: the filter comes from configuration, but a runaway nesting must not exhaust the stack.
    private static let maxDepth = 32

    init(_ string: String) { bytes = Array(string.utf8) }

    mutating func parseAll() throws(LDAPFilterError) -> LDAPFilter {
        let f = try filter(depth: 0)
        guard i == bytes.count else { throw fail("unexpected text after the filter") }
        return f
    }

    private func fail(_ reason: String) -> LDAPFilterError { LDAPFilterError(description: "\(reason) at offset \(i)") }

    private mutating func expect(_ c: UInt8) throws(LDAPFilterError) {
        guard i < bytes.count, bytes[i] == c else { throw fail("expected '\(Character(Unicode.Scalar(c)))'") }
        i += 1
    }

    /// `filter = "(" filtercomp ")"`
    private mutating func filter(depth: Int) throws(LDAPFilterError) -> LDAPFilter {
        guard depth < Self.maxDepth else { throw fail("filter nested too deeply") }
        try expect(UInt8(ascii: "("))
        guard i < bytes.count else { throw fail("unexpected end") }
        let result: LDAPFilter
        switch bytes[i] {
        case UInt8(ascii: "&"): i += 1; result = .and(try list(depth: depth))
        case UInt8(ascii: "|"): i += 1; result = .or(try list(depth: depth))
        case UInt8(ascii: "!"): i += 1; result = .not(try filter(depth: depth + 1))
        default: result = try item()
        }
        try expect(UInt8(ascii: ")"))
        return result
    }

    /// `filterlist = 1*filter`
    private mutating func list(depth: Int) throws(LDAPFilterError) -> [LDAPFilter] {
        var filters: [LDAPFilter] = []
        while i < bytes.count, bytes[i] == UInt8(ascii: "(") { filters.append(try filter(depth: depth + 1)) }
        guard !filters.isEmpty else { throw fail("empty filter list") }
        return filters
    }

    /// `item = simple / present / substring / extensible`
    private mutating func item() throws(LDAPFilterError) -> LDAPFilter {
        let start = i
        while i < bytes.count, !"=~<>:()".utf8.contains(bytes[i]) { i += 1 }
        let attribute = String(decoding: bytes[start..<i], as: UTF8.self)
        guard i < bytes.count else { throw fail("unexpected end") }
        switch bytes[i] {
        case UInt8(ascii: ":"):
            return try extensible(attribute: attribute)
        case UInt8(ascii: "~"), UInt8(ascii: ">"), UInt8(ascii: "<"):
            let op = bytes[i]
            i += 1
            try expect(UInt8(ascii: "="))
            try checkAttribute(attribute)
            let parts = try value()
            guard parts.count == 1 else { throw fail("'*' is not allowed in this assertion (escape it as \\2a)") }
            switch op {
            case UInt8(ascii: "~"): return .approx(attribute, parts[0])
            case UInt8(ascii: ">"): return .greaterOrEqual(attribute, parts[0])
            default: return .lessOrEqual(attribute, parts[0])
            }
        case UInt8(ascii: "="):
            i += 1
            try checkAttribute(attribute)
            let parts = try value()
            if parts.count == 1 { return .equality(attribute, parts[0]) }
            if parts.count == 2, parts[0].isEmpty, parts[1].isEmpty { return .present(attribute) }
            // initial * any * ... * final; empty initial/final are absent, empty "any" parts are not allowed.
            let any = parts.dropFirst().dropLast()
            guard !any.contains(where: \.isEmpty) else { throw fail("empty substring between '*'") }
            return .substrings(attribute, initial: parts.first!.isEmpty ? nil : parts.first!, any: Array(any),
                               final: parts.last!.isEmpty ? nil : parts.last!)
        default:
            throw fail("expected a filter type after the attribute")
        }
    }

    /// `extensible = ( attr [dnattrs] [matchingrule] / [dnattrs] matchingrule ) ":=" assertionvalue`
    private mutating func extensible(attribute: String) throws(LDAPFilterError) -> LDAPFilter {
        var dn = false
        var rule: String?
        while i < bytes.count, bytes[i] == UInt8(ascii: ":") {
            i += 1
            if i < bytes.count, bytes[i] == UInt8(ascii: "=") {
                i += 1
                let parts = try value()
                guard parts.count == 1 else { throw fail("'*' is not allowed in an extensible match") }
                guard !attribute.isEmpty || rule != nil else { throw fail("extensible match needs an attribute or a rule") }
                if !attribute.isEmpty { try checkAttribute(attribute) }
                return .extensible(attribute: attribute.isEmpty ? nil : attribute, rule: rule, dnAttributes: dn, value: parts[0])
            }
            let start = i
            while i < bytes.count, !":=()".utf8.contains(bytes[i]) { i += 1 }
            let word = String(decoding: bytes[start..<i], as: UTF8.self)
            if word.lowercased() == "dn", !dn, rule == nil { dn = true }
            else if rule == nil, Self.isOID(word) || Self.isDescriptor(word) { rule = word }
            else { throw fail("bad extensible match component '\(word)'") }
        }
        throw fail("expected ':=' in an extensible match")
    }

    /// The assertion value up to ')', split at unescaped '*', with `\HH` escapes decoded.
    private mutating func value() throws(LDAPFilterError) -> [[UInt8]] {
        var parts: [[UInt8]] = [[]]
        while i < bytes.count, bytes[i] != UInt8(ascii: ")") {
            let c = bytes[i]
            switch c {
            case UInt8(ascii: "*"):
                parts.append([])
                i += 1
            case UInt8(ascii: "\\"):
                guard i + 2 < bytes.count, let hi = Self.hex(bytes[i + 1]), let lo = Self.hex(bytes[i + 2]) else {
                    throw fail("bad escape (expected \\ and two hex digits)")
                }
                parts[parts.count - 1].append(hi << 4 | lo)
                i += 3
            case UInt8(ascii: "("), 0:
                throw fail("unescaped '(' or NUL in a value")
            default:
                parts[parts.count - 1].append(c)
                i += 1
            }
        }
        return parts
    }

    /// `attr = attributedescription` (RFC 4512 §2.5: descr or numericoid, then `;options`).
    private func checkAttribute(_ attribute: String) throws(LDAPFilterError) {
        let pieces = attribute.split(separator: ";", omittingEmptySubsequences: false).map(String.init)
        guard let type = pieces.first, Self.isOID(type) || Self.isDescriptor(type),
              pieces.dropFirst().allSatisfy({ !$0.isEmpty && $0.utf8.allSatisfy { Self.isKeyChar($0) } }) else {
            throw fail("bad attribute description '\(attribute)'")
        }
    }

    private static func isKeyChar(_ c: UInt8) -> Bool {
        (c >= 0x41 && c <= 0x5A) || (c >= 0x61 && c <= 0x7A) || (c >= 0x30 && c <= 0x39) || c == UInt8(ascii: "-")
    }

    /// `descr = keystring = leadkeychar *keychar`
    private static func isDescriptor(_ s: String) -> Bool {
        guard let first = s.utf8.first, (first >= 0x41 && first <= 0x5A) || (first >= 0x61 && first <= 0x7A) else { return false }
        return s.utf8.allSatisfy(isKeyChar)
    }

    /// `numericoid = number 1*( DOT number )`
    private static func isOID(_ s: String) -> Bool {
        let parts = s.split(separator: ".", omittingEmptySubsequences: false)
        return parts.count >= 2 && parts.allSatisfy { p in
            !p.isEmpty && p.utf8.allSatisfy { $0 >= 0x30 && $0 <= 0x39 } && (p.count == 1 || p.first != "0")
        }
    }

    private static func hex(_ c: UInt8) -> UInt8? {
        switch c {
        case 0x30...0x39: c - 0x30
        case 0x41...0x46: c - 0x41 + 10
        case 0x61...0x66: c - 0x61 + 10
        default: nil
        }
    }
}
