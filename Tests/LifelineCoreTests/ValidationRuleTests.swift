import LifelineCore
import Testing

@Suite struct ValidationRuleTests {
    @Test(arguments: [("+420 777 123 789", "+420777123789"), ("00420777123789", "+420777123789"), ("+47 912-34-567", "+4791234567"), ("+1 (415) 555.2671", "+14155552671")])
    func phonesNormalizeToE164(input: String, expected: String) throws {
        #expect(try Validation.phoneE164(input) == expected)
    }

    @Test(arguments: ["777123789", "+0123456789", "+42077712378912345", "+420abc", "", "+1234"])
    func badPhonesAreRefused(input: String) {
        #expect(throws: LifelineError.self) { try Validation.phoneE164(input) }
    }

    @Test func emails() throws {
        #expect(try Validation.email("Alice@Example.COM") == "Alice@example.com")
        for bad in ["alice", "a@b", "a b@c.d", "@c.d", "a@.c", "a@@c.d"] {
            #expect(throws: LifelineError.self) { try Validation.email(bad) }
        }
    }

    @Test func tenantNames() throws {
        #expect(try Validation.tenantName("acme-1") == "acme-1")
        for bad in ["", "-acme", "Acme", "a_b", String(repeating: "a", count: 64)] {
            #expect(throws: LifelineError.self) { try Validation.tenantName(bad) }
        }
    }

    @Test func usernames() throws {
        #expect(try Validation.username("alice.novak@corp") == "alice.novak@corp")
        for bad in ["", " alice", "alice ", "al\u{7}ice", String(repeating: "a", count: 257)] {
            #expect(throws: LifelineError.self) { try Validation.username(bad) }
        }
        #expect(Validation.usernameKey("Alice") == Validation.usernameKey("ALICE"))
    }

    /// Bounds on outside text count UTF-8 bytes, not Characters: one Character can hold any number of combining
    /// marks, so a 1-Character username could be 60 KB written by anonymous callers into flow and audit rows.
    @Test func textBoundsCountBytesNotCharacters() throws {
        let marks = "a" + String(repeating: "\u{301}", count: 30_000)  // 1 Character, 60,001 bytes
        #expect(marks.count == 1)
        #expect(throws: LifelineError.self) { try Validation.username(marks) }
        #expect(throws: LifelineError.self) { try Validation.displayName(marks) }
        #expect(throws: LifelineError.self) { try Validation.email(marks + "@example.com") }
        #expect(throws: LifelineError.self) { try Validation.email("a@" + String(repeating: "e\u{301}", count: 200) + ".com") }
        // The byte bounds themselves: 256 for a username, 1024 for a display name.
        #expect(try Validation.username(String(repeating: "a", count: 256)).utf8.count == 256)
        #expect(throws: LifelineError.self) { try Validation.username(String(repeating: "a", count: 257)) }
        #expect(try Validation.username(String(repeating: "é", count: 128)).utf8.count == 256)
        #expect(throws: LifelineError.self) { try Validation.username(String(repeating: "é", count: 129)) }
        #expect(try Validation.displayName(String(repeating: "ž", count: 512)).utf8.count == 1024)
        #expect(throws: LifelineError.self) { try Validation.displayName(String(repeating: "ž", count: 513)) }
    }

    @Test func otpCodes() throws {
        #expect(try Validation.otpCode("123456") == "123456")
        for bad in ["12345", "123456789", "12a456", "١٢٣٤٥٦", " 123456"] {
            #expect(throws: LifelineError.self) { try Validation.otpCode(bad) }
        }
    }

    @Test func apiKeyFormat() {
        let id = String(repeating: "a", count: 12), secret = String(repeating: "b", count: 43)
        #expect(APIKey.parse("ll_\(id)_\(secret)")?.id == id)
        #expect(APIKey.parse("ll_\(id)_\(secret)x") == nil)
        #expect(APIKey.parse("xx_\(id)_\(secret)") == nil)
        #expect(APIKey.parse("") == nil)
    }

    @Test func base32() {
        #expect(Base32.encode(Array("foobar".utf8)) == "MZXW6YTBOI")
        #expect(Base32.decode("mzxw6ytboi======") == Array("foobar".utf8))
        #expect(Base32.decode("MZXW6YTBO1") == nil)
    }

    @Test func otpauthURI() {
        let t = Token(id: .init(), tenantID: .init(), userID: .init(), type: .totp, algorithm: .sha256, digits: 8, period: 60, createdAt: .init())
        let uri = OTPAuthURI.make(token: t, secret: Array("12345678901234567890".utf8), issuer: "ACME Corp", account: "alice@acme")
        #expect(uri == "otpauth://totp/ACME%20Corp:alice%40acme?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&issuer=ACME%20Corp&algorithm=SHA256&digits=8&period=60")
    }
}

@Suite struct HexTests {
    @Test func encodesLowerCase() {
        #expect(Hex.encode([0x00, 0x0f, 0xa5, 0xff]) == "000fa5ff")
        #expect(Hex.encode([UInt8]()) == "")
    }
}
