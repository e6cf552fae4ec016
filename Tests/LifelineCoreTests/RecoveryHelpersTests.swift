import Crypto
import Foundation
import LifelineCore
import Testing

/// A CSPRNG-backed random source for tests that only need fresh bytes.
struct TestRandom: RandomSource {
    func bytes(_ count: Int) -> [UInt8] {
        var g = SystemRandomNumberGenerator()
        return (0..<count).map { _ in UInt8.random(in: 0...255, using: &g) }
    }
}

@Suite("Contact formats")
struct ContactFormatTests {
    @Test(arguments: [
        ("+420 777 123 789", "+47", "+420777123789"),
        ("00420777123789", "+47", "+420777123789"),
        ("00420 777-123-789", "+47", "+420777123789"),
        ("(0047) 912.34.567", "+420", "+4791234567"),
        ("91234567", "+47", "+4791234567"),
        ("091234567", "+47", "+4791234567"),      // trunk 0 dropped
        ("777123789", "+420", "+420777123789"),
        ("0777 123 789", "+420", "+420777123789"),
        ("+1 (415) 555-2671", "+47", "+14155552671"),
        ("415/555 2671", "+1", "+14155552671"),
        ("+354\u{a0}555 1234", "+47", "+3545551234"),
        ("+12345678", "+47", "+12345678"),         // 8 digits: the shortest accepted
        ("+123456789012345", "+47", "+123456789012345"), // 15 digits: the longest
    ])
    func normalizePhone(typed: String, country: String, expected: String) {
        #expect(ContactFormat.normalizePhone(typed, defaultCountryCode: country) == expected)
    }

    @Test(arguments: ["", "junk", "+47 12", "1234", "+1234567", "+1234567890123456", "+420 777 12a 789", "++420777123789",
                      "+420777123789+", "+٤٢٠٧٧٧١٢٣٧٨٩", "+420 777 123 789 ext 5", "0", "00", "+", "+420_777123789"])
    func junkIsNotAPhone(typed: String) {
        #expect(ContactFormat.normalizePhone(typed, defaultCountryCode: "+420") == nil)
    }

    @Test(arguments: [("+14155552671", "+1"), ("+79161234567", "+7"), ("+4791234567", "+47"), ("+420777123789", "+420"),
                      ("+3545551234", "+354"), ("+442071234567", "+44"), ("+4915112345678", "+49"), ("+358401234567", "+358"),
                      ("+861012345678", "+86"), ("+", "+")])
    func countryCode(e164: String, expected: String) {
        #expect(ContactFormat.countryCode(e164) == expected)
    }

    @Test(arguments: [("+420777123789", "+420 *** *** 789"), ("+4791234567", "+47 *** *** 567"), ("+14155552671", "+1 *** *** 671"),
                      ("+3545551234", "+354 *** *** 234")])
    func maskPhone(e164: String, expected: String) {
        #expect(ContactFormat.maskPhone(e164) == expected)
    }

    @Test(arguments: [("alice@example.com", "a***@e***.com"), ("bob@mail.co.uk", "b***@m***.uk"), ("Zed@Acme.CZ", "Z***@A***.CZ"),
                      ("nonsense", "***"), ("@example.com", "***"), ("a@", "***")])
    func maskEmail(address: String, expected: String) {
        #expect(ContactFormat.maskEmail(address) == expected)
    }

    @Test func maskedEmailsHideTheLength() {
        #expect(ContactFormat.maskEmail("a@b.cz") == ContactFormat.maskEmail("anna.novakova@bigcompany.cz"))
    }

    @Test(arguments: [("Alice@Example.COM", "Alice@example.com"), ("  bob@acme.cz ", "bob@acme.cz")])
    func normalizeEmail(typed: String, expected: String) {
        #expect(ContactFormat.normalizeEmail(typed) == expected)
    }

    @Test(arguments: ["alice", "a@b", "a b@c.d", "@c.d", "a@.c", "a@@c.d", "a@c.", ""])
    func badEmails(typed: String) {
        #expect(ContactFormat.normalizeEmail(typed) == nil)
    }

    @Test func sameEmailIgnoresCase() {
        #expect(ContactFormat.sameEmail("Alice@Acme.cz", "alice@ACME.CZ"))
        #expect(!ContactFormat.sameEmail("alice@acme.cz", "alice@acme.com"))
    }
}

@Suite("Security answers")
struct SecurityAnswerTests {
    @Test(arguments: [
        ("Praha", "praha"), ("  Praha ", "praha"), ("PRAHA", "praha"),
        ("ＰＲＡＨＡ", "praha"),              // full-width letters (NFKC)
        ("Ｎｅｗ　Ｙｏｒｋ", "new york"),       // full-width letters and an ideographic space
        ("New   York\tCity\n", "new york city"),
        ("ﬁdo", "fido"),                   // ligature
        ("Cafe\u{301}", "café"),           // combining accent composed
        ("Straße", "straße"),
        ("", ""), ("   ", ""),
    ])
    func normalize(answer: String, expected: String) {
        #expect(SecurityAnswer.normalize(answer) == expected)
    }

    @Test func hashAndVerifyRoundTrip() throws {
        let stored = try SecurityAnswer.hash("  Praha ", random: TestRandom())
        #expect(stored.hasPrefix("scrypt$14$8$1$"))
        #expect(stored.split(separator: "$").count == 6)
        #expect(!stored.lowercased().contains("praha"))
        #expect(SecurityAnswer.verify("praha", against: stored))
        #expect(SecurityAnswer.verify("ＰＲＡＨＡ", against: stored))
        #expect(SecurityAnswer.verify("PRAHA  ", against: stored))
        #expect(!SecurityAnswer.verify("Brno", against: stored))
        #expect(!SecurityAnswer.verify("prah", against: stored))
        #expect(!SecurityAnswer.verify("", against: stored))
    }

    @Test func twoHashesOfOneAnswerDiffer() throws {
        let a = try SecurityAnswer.hash("Rex", random: TestRandom())
        let b = try SecurityAnswer.hash("Rex", random: TestRandom())
        #expect(a != b)
        #expect(a.split(separator: "$")[4] != b.split(separator: "$")[4])
        #expect(SecurityAnswer.verify("rex", against: a))
        #expect(SecurityAnswer.verify("rex", against: b))
    }

    @Test func malformedHashesNeverMatch() throws {
        let good = try SecurityAnswer.hash("Rex", random: TestRandom())
        let parts = good.split(separator: "$").map(String.init)
        func with(_ i: Int, _ value: String) -> String { var p = parts; p[i] = value; return p.joined(separator: "$") }
        var hashBytes = try #require(Data(base64Encoded: parts[5]))
        hashBytes[0] ^= 1
        let malformed = [
            "", "rex", "scrypt", "scrypt$14$8$1$", "scrypt$14$8$1$abc", good + "$x",
            with(0, "bcrypt"), with(1, "x"), with(1, "30"), with(1, "9"), with(2, "0"), with(2, "17"), with(3, "5"),
            with(4, "!!!"), with(5, "!!!"), with(5, hashBytes.base64EncodedString()), with(5, ""),
            with(1, "13"),  // a different cost gives a different key
        ]
        for m in malformed {
            #expect(!SecurityAnswer.verify("rex", against: m), "\(m)")
        }
        #expect(SecurityAnswer.verify("rex", against: good))
    }

    @Test func decoyVerifyIsAlwaysFalse() {
        #expect(!SecurityAnswer.decoyVerify("anything"))
        #expect(!SecurityAnswer.decoyVerify(""))
    }
}

@Suite("Catalog")
struct CatalogTests {
    static let catalog = Catalog(texts: [
        "en": ["hello": "Hello, {name}!", "only.en": "English only", "two": "{a} and {b} and {a}"],
        "cs": ["hello": "Ahoj, {name}!"],
        "nb": ["hello": "Hei, {name}!"],
        "de": ["hello": "Hallo, {name}!"],
    ])

    @Test func languagesFollowTheMenuOrderThenTheRestSorted() {
        #expect(Self.catalog.languages == ["en", "cs", "nb", "de"])
    }

    @Test(arguments: [("nb-NO", "nb"), ("nb", "nb"), ("no", "nb"), ("nn-NO", "nb"), ("NB-no", "nb"), ("cs-CZ", "cs"), ("CS", "cs"),
                      ("de-AT", "de"), ("en-GB", "en"), ("xx", "en"), ("", "en"), ("sk", "en")] as [(String, String)])
    func resolve(tag: String, expected: String) {
        #expect(Self.catalog.resolve(tag) == expected)
    }

    @Test func resolveNilAndNorwegianWithoutNb() {
        #expect(Self.catalog.resolve(nil) == "en")
        let noNb = Catalog(texts: ["en": [:], "cs": [:]])
        #expect(noNb.resolve("no") == "en")
        #expect(noNb.resolve("nb-NO") == "en")
    }

    @Test func placeholdersAreFilled() {
        #expect(Self.catalog.text("hello", "cs", ["name": "Eva"]) == "Ahoj, Eva!")
        #expect(Self.catalog.text("hello", "nb", ["name": "Ola"]) == "Hei, Ola!")
        #expect(Self.catalog.text("two", "en", ["a": "X", "b": "Y"]) == "X and Y and X")
        // Missing arguments stay visible; extra ones are ignored.
        #expect(Self.catalog.text("hello", "en") == "Hello, {name}!")
        #expect(Self.catalog.text("hello", "en", ["name": "Al", "other": "z"]) == "Hello, Al!")
    }

    @Test func missingTextsFallBackToEnglishThenTheID() {
        #expect(Self.catalog.text("only.en", "cs") == "English only")
        #expect(Self.catalog.text("only.en", "xx") == "English only")
        #expect(Self.catalog.text("no.such.id", "cs") == "no.such.id")
        #expect(Self.catalog.has("hello", in: "cs"))
        #expect(!Self.catalog.has("only.en", in: "cs"))
        #expect(Self.catalog.ids("cs") == ["hello"])
        #expect(Self.catalog.ids("xx") == [])
    }
}

@Suite("Decoy contacts")
struct DecoyContactTests {
    static let secret = SymmetricKey(data: Data(repeating: 0x42, count: 32))
    static let tenant = UUID(uuidString: "11111111-2222-4333-8444-555555555555")!
    static let config = RecoveryConfig(defaultCountryCode: "+47", emailDomain: "firma.no")

    static func decoys(_ user: String, secret: SymmetricKey = secret, tenant: UUID = tenant, config: RecoveryConfig = config) -> [String] {
        let d = RecoveryProfile.decoys(secret: secret, tenantID: tenant, usernameKey: user, config: config)
        return d.phones + ["|"] + d.emails
    }

    @Test func stableForTheSameUsername() {
        #expect(Self.decoys("alice") == Self.decoys("alice"))
        #expect(Self.decoys("bob.novak@corp") == Self.decoys("bob.novak@corp"))
    }

    @Test func differentPerUsernameTenantAndSecret() {
        let users = (0..<50).map { "user\($0)" }
        let all = Set(users.map { Self.decoys($0) })
        #expect(all.count == users.count)
        #expect(Self.decoys("alice") != Self.decoys("alice", tenant: UUID()))
        #expect(Self.decoys("alice") != Self.decoys("alice", secret: SymmetricKey(data: Data(repeating: 0x43, count: 32))))
    }

    @Test func useTheDefaultCountryCodeAndEmailDomain() {
        var phoneCounts = Set<Int>(), emailCounts = Set<Int>()
        var domains = Set<String>()
        for i in 0..<100 {
            let d = RecoveryProfile.decoys(secret: Self.secret, tenantID: Self.tenant, usernameKey: "user\(i)", config: Self.config)
            phoneCounts.insert(d.phones.count)
            for p in d.phones {
                #expect(p.hasPrefix("+47"))
                #expect(p.count == 12)  // +47 and nine digits
                #expect(ContactFormat.normalizePhone(p, defaultCountryCode: "+1") == p)
                #expect(ContactFormat.countryCode(p) == "+47")
            }
            emailCounts.insert(d.emails.count)
            for e in d.emails {
                #expect(ContactFormat.normalizeEmail(e) == e)
                #expect(e.hasPrefix("u"))  // the username's first letter
                domains.insert(String(e.split(separator: "@")[1]))
            }
        }
        #expect(phoneCounts == [1, 2])
        // One or two addresses, so a real user with two is not told apart from a decoy by the count.
        #expect(emailCounts == [1, 2])
        #expect(domains.contains("firma.no"))
        #expect(domains.isSubset(of: ["firma.no", "gmail.com", "outlook.com"]))
        // Another configuration changes the country code.
        let cz = RecoveryProfile.decoys(secret: Self.secret, tenantID: Self.tenant, usernameKey: "user1",
                                        config: RecoveryConfig(defaultCountryCode: "+420", emailDomain: "acme.cz"))
        #expect(cz.phones.allSatisfy { $0.hasPrefix("+420") && $0.count == 13 })
    }

    @Test func aUsernameWithoutALeadingLetterStillGetsAPlausibleAddress() {
        let d = RecoveryProfile.decoys(secret: Self.secret, tenantID: Self.tenant, usernameKey: "1234", config: Self.config)
        let e = d.emails[0]
        #expect(e.first?.isLetter == true)
        #expect(ContactFormat.normalizeEmail(e) == e)
    }
}
