import LifelineCore
@testable import LifelineLDAP
import Testing

/// Active Directory's two operations checked byte for byte against encodings worked out by hand from X.690
/// (BER/DER) and RFC 4511 Appendix B; the comments show the working. (ActiveDirectoryTests runs them against a
/// real Samba AD DC.)
@Suite("Active Directory wire format")
struct ActiveDirectoryWireFormatTests {
    /// `"Pw1!"` in quotes as UTF-16LE: `"`=22 00, P=50 00, w=77 00, 1=31 00, !=21 00, `"`=22 00 (12 bytes).
    @Test func unicodePwdIsTheQuotedPasswordInUTF16LE() {
        #expect(hex(ActiveDirectoryPassword.unicodePwd("Pw1!")) == "220050007700310021002200")
    }

    /// Non-ASCII: ä U+00E4 → e4 00; € U+20AC → ac 20; 𝄞 U+1D11E is outside the BMP → surrogates D834 DD1E →
    /// 34 d8 1e dd. Quotes around, no byte order mark.
    @Test func unicodePwdOfANonASCIIPassword() {
        #expect(hex(ActiveDirectoryPassword.unicodePwd("Pä€𝄞")) == "2200" + "5000" + "e400" + "ac20" + "34d81edd" + "2200")
    }

    /// Message id 5, DN `CN=Ann,DC=corp`, password `Pw1!`:
    ///
    ///     30 3a                         LDAPMessage SEQUENCE, 58 bytes
    ///       02 01 05                    messageID 5
    ///       66 35                       ModifyRequest [APPLICATION 6] constructed (0x40|0x20|6), 53 bytes
    ///         04 0e "CN=Ann,DC=corp"    object (14 bytes)
    ///         30 23                     changes SEQUENCE OF, 35 bytes
    ///           30 21                   change SEQUENCE, 33 bytes
    ///             0a 01 02              operation ENUMERATED replace(2)
    ///             30 1c                 modification PartialAttribute, 28 bytes
    ///               04 0a "unicodePwd"  type (10 bytes)
    ///               31 0e               vals SET OF, 14 bytes
    ///                 04 0c <12 bytes>  the quoted UTF-16LE password
    ///
    /// Lengths bottom up: 2+12 = 14 (0x0e); 12+16 = 28 (0x1c); 3+30 = 33 (0x21); 35 (0x23); 16+37 = 53 (0x35);
    /// 3+55 = 58 (0x3a); 60 bytes in all.
    @Test func resetIsAModifyReplaceOfUnicodePwd() {
        let request = LDAPRequest(messageID: 5, operation: .modify(dn: "CN=Ann,DC=corp",
                                                                   changes: [ActiveDirectoryPassword.resetModification("Pw1!")]))
        let expected = "303a" + "020105" + "6635"
            + "040e" + "434e3d416e6e2c44433d636f7270"
            + "3023" + "3021" + "0a0102" + "301c"
            + "040a" + "756e69636f6465507764"
            + "310e" + "040c" + "220050007700310021002200"
        #expect(hex(request.encoded()) == expected)
        #expect(request.encoded().count == 60)
    }

    /// Message id 6, same DN, `lockoutTime` replaced by "0":
    ///
    ///     30 30                          LDAPMessage, 48 bytes
    ///       02 01 06                     messageID 6
    ///       66 2b                        ModifyRequest, 43 bytes
    ///         04 0e "CN=Ann,DC=corp"     16 bytes with its header
    ///         30 19                      changes, 25 bytes
    ///           30 17                    change, 23 bytes
    ///             0a 01 02               replace
    ///             30 12                  PartialAttribute, 18 bytes
    ///               04 0b "lockoutTime"  11 bytes
    ///               31 03 04 01 30       vals { "0" }
    @Test func unlockIsAModifyReplaceOfLockoutTimeWithZero() {
        let request = LDAPRequest(messageID: 6, operation: .modify(dn: "CN=Ann,DC=corp",
                                                                   changes: [ActiveDirectoryPassword.unlockModification]))
        let expected = "3030" + "020106" + "662b"
            + "040e" + "434e3d416e6e2c44433d636f7270"
            + "3019" + "3017" + "0a0102" + "3012"
            + "040b" + "6c6f636b6f757454696d65"
            + "3103" + "040130"
        #expect(hex(request.encoded()) == expected)
    }

    @Test func constraintViolationAndError52DAreAQualityRefusal() {
        let cases: [LDAPResult] = [
            LDAPResult(resultCode: .constraintViolation,
                       diagnosticMessage: "0000052D: Constraint violation - check_password_restrictions: the password does not meet the complexity criteria"),
            LDAPResult(resultCode: .unwillingToPerform, diagnosticMessage: "0000052D: SvcErr: DSID-031A1248, problem 5003 (WILL_NOT_PERFORM)"),
        ]
        for result in cases {
            #expect(ActiveDirectoryPassword.failure(result) as? DirectoryRefusal == .passwordQuality)
        }
        let denied = LDAPResult(resultCode: .insufficientAccessRights, diagnosticMessage: "00000005: SecErr: DSID-03152857")
        #expect(ActiveDirectoryPassword.failure(denied) as? DirectoryRefusal == .refused)
        #expect(ActiveDirectoryPassword.failure(LDAPResult(resultCode: .busy)) is DirectoryUnavailable)
    }

    /// Why no network here: the configuration is refused before anything is sent, so an AD password can never go
    /// out over plain LDAP.
    @Test func activeDirectoryWithoutTLSIsRefused() async throws {
        let settings = LDAPSettings(url: "ldap://127.0.0.1:1", bindDN: "CN=svc,DC=corp", bindPasswordEnv: "UNUSED",
                                    baseDN: "DC=corp", flavor: .activeDirectory)
        #expect(throws: DirectoryUnavailable.self) { try LDAPDirectory.validate(settings) }
        let directory = LDAPDirectory(settings: settings, secrets: testSecrets, logger: testLogger)
        let error = await #expect(throws: DirectoryUnavailable.self) {
            try await directory.resetPassword(DirectoryAccount(reference: "CN=Ann,DC=corp", locked: false), newPassword: "Pw1!Pw1!Pw1!")
        }
        #expect(error?.description.contains("encrypted") == true)
        #expect(error?.description.contains("Pw1!") == false)
        await directory.shutdown()
        // With ldaps:// (or start_tls) the same settings are accepted.
        var tls = settings
        tls.url = "ldaps://dc1.corp.example"
        try LDAPDirectory.validate(tls)
        tls.url = "ldap://dc1.corp.example"
        tls.startTLS = true
        try LDAPDirectory.validate(tls)
    }

    @Test func lockoutTimeAboveZeroIsLocked() {
        func entry(_ value: String?) -> LDAPEntry {
            LDAPEntry(dn: "CN=Ann,DC=corp", attributes: value.map { ["lockoutTime": [Array($0.utf8)]] } ?? [:])
        }
        #expect(LDAPDirectory.isLocked(entry("133512345678901234"), flavor: .activeDirectory))
        #expect(!LDAPDirectory.isLocked(entry("0"), flavor: .activeDirectory))
        #expect(!LDAPDirectory.isLocked(entry(nil), flavor: .activeDirectory))
    }
}
