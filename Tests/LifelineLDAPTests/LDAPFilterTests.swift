@testable import LifelineLDAP
import SwiftASN1
import Testing

private func b(_ s: String) -> [UInt8] { Array(s.utf8) }

@Suite("RFC 4515 filters")
struct LDAPFilterTests {
    static let valid: [(String, LDAPFilter)] = [
        ("(uid=alice)", .equality("uid", b("alice"))),
        ("(uid=*)", .present("uid")),
        ("(cn=Ann*)", .substrings("cn", initial: b("Ann"), any: [], final: nil)),
        ("(cn=*ann)", .substrings("cn", initial: nil, any: [], final: b("ann"))),
        ("(cn=a*b*c*d)", .substrings("cn", initial: b("a"), any: [b("b"), b("c")], final: b("d"))),
        ("(cn=*b*)", .substrings("cn", initial: nil, any: [b("b")], final: nil)),
        ("(uidNumber>=1000)", .greaterOrEqual("uidNumber", b("1000"))),
        ("(uidNumber<=9)", .lessOrEqual("uidNumber", b("9"))),
        ("(sn~=smith)", .approx("sn", b("smith"))),
        ("(!(uid=a))", .not(.equality("uid", b("a")))),
        ("(&(objectClass=inetOrgPerson)(uid=a))", .and([.equality("objectClass", b("inetOrgPerson")), .equality("uid", b("a"))])),
        ("(|(uid=a)(mail=a@x))", .or([.equality("uid", b("a")), .equality("mail", b("a@x"))])),
        ("(cn=\\2a\\28\\29\\5c\\00)", .equality("cn", [0x2A, 0x28, 0x29, 0x5C, 0x00])),
        ("(cn=Jos\\c3\\a9)", .equality("cn", b("José"))),
        ("(cn=José)", .equality("cn", b("José"))),
        ("(2.5.4.3=x)", .equality("2.5.4.3", b("x"))),
        ("(cn;lang-de=x)", .equality("cn;lang-de", b("x"))),
        ("(uid=)", .equality("uid", [])),
        ("(userAccountControl:1.2.840.113556.1.4.803:=2)",
         .extensible(attribute: "userAccountControl", rule: "1.2.840.113556.1.4.803", dnAttributes: false, value: b("2"))),
        ("(cn:dn:=Jane)", .extensible(attribute: "cn", rule: nil, dnAttributes: true, value: b("Jane"))),
        ("(:dn:2.4.6.8.10:=Dino)", .extensible(attribute: nil, rule: "2.4.6.8.10", dnAttributes: true, value: b("Dino"))),
        ("(&(objectClass=user)(sAMAccountName=bob)(!(userAccountControl:1.2.840.113556.1.4.803:=2)))",
         .and([.equality("objectClass", b("user")), .equality("sAMAccountName", b("bob")),
               .not(.extensible(attribute: "userAccountControl", rule: "1.2.840.113556.1.4.803", dnAttributes: false, value: b("2")))])),
    ]

    @Test(arguments: valid.indices)
    func parses(index: Int) throws {
        let (text, filter) = Self.valid[index]
        #expect(try LDAPFilter.parse(text) == filter, "\(text)")
    }

    @Test(arguments: ["", "uid=a", "(uid=a", "(uid=a))", "(&)", "(|)", "(uid=a\\2)", "(uid=a\\zz)", "(=a)", "(u id=a)",
                      "(uid>=a*)", "(uid~=*)", "(cn=a**b)", "(uid=a(b)", "(1uid=a)", "(uid=a)(uid=b)", "(:=a)", "(cn:foo bar:=x)",
                      "(!(uid=a)(uid=b))", "(uid;=a)"])
    func rejects(text: String) {
        #expect(throws: LDAPFilterError.self) { try LDAPFilter.parse(text) }
    }

    @Test func deepNestingIsRefused() {
        let deep = String(repeating: "(!", count: 40) + "(uid=a)" + String(repeating: ")", count: 40)
        #expect(throws: LDAPFilterError.self) { try LDAPFilter.parse(deep) }
    }

    @Test func escapesTheSpecialCharacters() {
        #expect(LDAPFilter.escape("*)(uid=*") == "\\2a\\29\\28uid=\\2a")
        #expect(LDAPFilter.escape("a\\b\u{0}c") == "a\\5cb\\00c")
        #expect(LDAPFilter.escape("José") == "José")
    }

    /// The username is escaped before the filter is parsed, so it is one value whatever it contains.
    @Test(arguments: ["*)(uid=*", "*", "a)(|(objectClass=*", "\\", "x)(!(uid=y", "(", ")"])
    func usernameStaysOneEqualityValue(username: String) throws {
        let filter = try LDAPFilter.userFilter(template: "(&(objectClass=inetOrgPerson)(uid={username}))", username: username)
        #expect(filter == .and([.equality("objectClass", b("inetOrgPerson")), .equality("uid", b(username))]))
    }

    @Test func everyPlaceholderIsReplaced() throws {
        let filter = try LDAPFilter.userFilter(template: "(|(uid={username})(mail={username}))", username: "a*")
        #expect(filter == .or([.equality("uid", b("a*")), .equality("mail", b("a*"))]))
    }

    /// `(&(objectClass=inetOrgPerson)(uid=a*b))`, BER by hand (X.690; RFC 4511 §4.5.1):
    ///   a0 2d                              and [0], 45 content bytes
    ///     a3 1c                            equalityMatch [3], 28 bytes
    ///       04 0b "objectClass"            attributeDesc (11 bytes)
    ///       04 0d "inetOrgPerson"          assertionValue (13 bytes)
    ///     a4 0d                            substrings [4], 13 bytes
    ///       04 03 "uid"
    ///       30 06                          SEQUENCE OF substring
    ///         80 01 61                     initial [0] "a"
    ///         82 01 62                     final [2] "b"
    @Test func encodesAsBER() throws {
        var s = DER.Serializer()
        try LDAPFilter.parse("(&(objectClass=inetOrgPerson)(uid=a*b))").encode(into: &s)
        #expect(hex(s.serializedBytes) ==
            "a02d" + "a31c" + "040b" + "6f626a656374436c617373" + "040d" + "696e65744f7267506572736f6e"
            + "a40d" + "0403" + "756964" + "3006" + "800161" + "820162")
    }

    /// `(!(uid=*))`: not [2] wraps the present [7] filter, whose value is the attribute description itself.
    @Test func encodesNotAndPresent() throws {
        var s = DER.Serializer()
        try LDAPFilter.parse("(!(uid=*))").encode(into: &s)
        #expect(hex(s.serializedBytes) == "a205" + "8703756964")
    }

    /// `(userAccountControl:1.2.840.113556.1.4.803:=2)`: extensibleMatch [9] { matchingRule [1], type [2], matchValue [3] }.
    @Test func encodesExtensibleMatch() throws {
        var s = DER.Serializer()
        try LDAPFilter.parse("(cn:2.5.13.2:=x)").encode(into: &s)
        //  a9 11 (17 bytes) | 81 08 "2.5.13.2" | 82 02 "cn" | 83 01 "x"
        #expect(hex(s.serializedBytes) == "a911" + "8108" + "322e352e31332e32" + "8202" + "636e" + "830178")
    }
}

func hex(_ bytes: some Sequence<UInt8>) -> String {
    bytes.map { ($0 < 16 ? "0" : "") + String($0, radix: 16) }.joined()
}

func bytes(hex: String) -> [UInt8] {
    let digits = Array(hex.filter { !$0.isWhitespace })
    return stride(from: 0, to: digits.count, by: 2).map { UInt8(String(digits[$0...$0 + 1]), radix: 16)! }
}
