import SwiftASN1

/// A search filter (RFC 4511 §4.5.1.7), parsed from its string form (RFC 4515) by ``parse(_:)``.
indirect enum LDAPFilter: Sendable, Equatable {
    case and([LDAPFilter])
    case or([LDAPFilter])
    case not(LDAPFilter)
    case equality(String, [UInt8])
    /// `attr=initial*any*…*final`.
    case substrings(String, initial: [UInt8]?, any: [[UInt8]], final: [UInt8]?)
    case greaterOrEqual(String, [UInt8])
    case lessOrEqual(String, [UInt8])
    case present(String)
    case approx(String, [UInt8])
    /// `attr:dn:rule:=value` (e.g. Active Directory's `userAccountControl:1.2.840.113556.1.4.803:=2`).
    case extensible(attribute: String?, rule: String?, dnAttributes: Bool, value: [UInt8])

    /// The filter of `template` with every `{username}` replaced by the RFC 4515-escaped `username`.
    ///
    /// Why escape before parsing: the username is data, never filter syntax. Escaped, `*)(uid=*` becomes
    /// `\2a\29\28uid=\2a`, one value that matches only that literal name, so no username can widen or change the
    /// search (LDAP injection).
    static func userFilter(template: String, username: String) throws(LDAPFilterError) -> LDAPFilter {
        try parse(template.split(separator: "{username}", omittingEmptySubsequences: false).joined(separator: escape(username)))
    }

    /// `value` as an RFC 4515 assertion value: `*`, `(`, `)`, `\` and NUL become `\2a`, `\28`, `\29`, `\5c`, `\00`.
    static func escape(_ value: String) -> String {
        var out = ""
        for scalar in value.unicodeScalars {
            switch scalar {
            case "*": out += "\\2a"
            case "(": out += "\\28"
            case ")": out += "\\29"
            case "\\": out += "\\5c"
            case "\0": out += "\\00"
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out
    }

    /// Parses an RFC 4515 filter string.
    static func parse(_ string: String) throws(LDAPFilterError) -> LDAPFilter {
        var parser = LDAPFilterParser(string)
        return try parser.parseAll()
    }

    func encode(into s: inout DER.Serializer) {
        switch self {
        case .and(let filters):
            s.appendConstructedNode(identifier: .context(0)) { s in for f in filters { f.encode(into: &s) } }
        case .or(let filters):
            s.appendConstructedNode(identifier: .context(1)) { s in for f in filters { f.encode(into: &s) } }
        case .not(let filter):
            s.appendConstructedNode(identifier: .context(2)) { s in filter.encode(into: &s) }
        case .equality(let a, let v): Self.assertion(3, a, v, into: &s)
        case .substrings(let a, let initial, let any, let final):
            s.appendConstructedNode(identifier: .context(4)) { s in
                s.appendString(a)
                s.appendConstructedNode(identifier: .sequence) { s in
                    if let initial { s.appendOctets(initial, tag: .context(0)) }
                    for v in any { s.appendOctets(v, tag: .context(1)) }
                    if let final { s.appendOctets(final, tag: .context(2)) }
                }
            }
        case .greaterOrEqual(let a, let v): Self.assertion(5, a, v, into: &s)
        case .lessOrEqual(let a, let v): Self.assertion(6, a, v, into: &s)
        case .present(let a): s.appendString(a, tag: .context(7))
        case .approx(let a, let v): Self.assertion(8, a, v, into: &s)
        case .extensible(let attribute, let rule, let dnAttributes, let value):
            s.appendConstructedNode(identifier: .context(9)) { s in
                if let rule { s.appendString(rule, tag: .context(1)) }
                if let attribute { s.appendString(attribute, tag: .context(2)) }
                s.appendOctets(value, tag: .context(3))
                if dnAttributes { s.appendBoolean(true, tag: .context(4)) }
            }
        }
    }

    /// `AttributeValueAssertion ::= SEQUENCE { attributeDesc, assertionValue }` under tag `[number]`.
    private static func assertion(_ number: UInt, _ attribute: String, _ value: [UInt8], into s: inout DER.Serializer) {
        s.appendConstructedNode(identifier: .context(number)) { s in
            s.appendString(attribute)
            s.appendOctets(value)
        }
    }
}

/// A filter string that is not RFC 4515.
struct LDAPFilterError: Error, Sendable, Equatable, CustomStringConvertible {
    var description: String
}
