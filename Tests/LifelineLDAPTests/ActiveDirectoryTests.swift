import LifelineCore
@testable import LifelineLDAP
import Testing

/// LDAPDirectory of the `active-directory` flavour against a real Samba 4 AD DC (scripts/peers/samba-ad.sh): the
/// reset by `unicodePwd`, the lockout and the unlock by `lockoutTime: 0`. Every check of a password is a real bind.
/// The domain locks an account after 3 wrong passwords (for 30 min); the service account has only the delegated
/// Reset Password and lockoutTime rights on OU=People. Runs in CI always (and fails there without the AD DC), and
/// locally when `LIFELINE_TEST_AD_URL` is set.
@Suite("LDAPDirectory against Samba AD", .enabled(if: TestADServer.mustRun, "no AD DC (LIFELINE_TEST_AD_URL unset, not CI)"))
struct ActiveDirectoryTests {
    @Test func findsAUserBySAMAccountName() async throws {
        let server = try TestADServer.current()
        let user = try await server.createUser("find")
        try await withDirectory(server.settings()) { directory async throws in
            let account = try await directory.account(username: user.sam)
            #expect(account == DirectoryAccount(reference: user.dn, locked: false))
            #expect(try await directory.account(username: "nobody-\(UInt32.random(in: 0...UInt32.max))") == nil)
            // Escaped before the filter is parsed: no wildcard match on the whole OU.
            for username in ["*", "*)(sAMAccountName=*", "\(user.sam.prefix(4))*"] {
                #expect(try await directory.account(username: username) == nil, "username \(username)")
            }
        }
    }

    @Test func resetOverLDAPSLetsTheNewPasswordBindAndNotTheOld() async throws {
        let server = try TestADServer.current()
        let user = try await server.createUser("ldaps")
        #expect(try await server.canBind(user.dn, user.password))
        try await withDirectory(server.settings()) { directory async throws in
            let account = try #require(try await directory.account(username: user.sam))
            try await directory.resetPassword(account, newPassword: "Over-LDAPS-new-1")
        }
        #expect(try await server.canBind(user.dn, "Over-LDAPS-new-1"))
        #expect(try await server.bind(user.dn, user.password).resultCode == .invalidCredentials)
    }

    @Test(arguments: ["127.0.0.1", "localhost"])
    func resetOverStartTLSLetsTheNewPasswordBindAndNotTheOld(host: String) async throws {
        let server = try TestADServer.current()
        let user = try await server.createUser("starttls")
        try await withDirectory(server.settings(url: "ldap://\(host):389", startTLS: true)) { directory async throws in
            let account = try #require(try await directory.account(username: user.sam))
            try await directory.resetPassword(account, newPassword: "Over-StartTLS-new-1")
        }
        #expect(try await server.canBind(user.dn, "Over-StartTLS-new-1"))
        #expect(try await server.bind(user.dn, user.password).resultCode == .invalidCredentials)
    }

    /// AD's default policy (length 7, complexity): a refusal is `password_quality` (AD names no rule), and the old
    /// password stays.
    @Test func aPasswordAgainstTheDomainPolicyIsRefusedAndTheOldOneStays() async throws {
        let server = try TestADServer.current()
        let user = try await server.createUser("policy")
        try await withDirectory(server.settings()) { directory async throws in
            let account = try #require(try await directory.account(username: user.sam))
            await #expect(throws: DirectoryRefusal.passwordQuality) { try await directory.resetPassword(account, newPassword: "Ab1!") }
            await #expect(throws: DirectoryRefusal.passwordQuality) { try await directory.resetPassword(account, newPassword: "alllowercaseletters") }
        }
        #expect(try await server.canBind(user.dn, user.password))
    }

    @Test func threeWrongBindsLockTheAccountAndLockoutTimeZeroUnlocksIt() async throws {
        let server = try TestADServer.current()
        let user = try await server.createUser("lockout")
        // Lockout threshold 3 (set at provisioning): three real failed binds lock the account.
        for _ in 0..<3 {
            #expect(try await server.bind(user.dn, "Wrong-password-1").resultCode == .invalidCredentials)
        }
        let refused = try await server.bind(user.dn, user.password)
        #expect(refused.resultCode == .invalidCredentials, "a locked account must not bind")
        // AD's sub-code 775: ERROR_ACCOUNT_LOCKED_OUT.
        #expect(refused.diagnosticMessage.contains("data 775"), "\(refused)")
        try await withDirectory(server.settings()) { directory async throws in
            let locked = try #require(try await directory.account(username: user.sam))
            #expect(locked.locked)
            try await directory.unlock(locked)
            #expect(try await directory.account(username: user.sam)?.locked == false)
            // Unlocking an account that is not locked is no error.
            try await directory.unlock(locked)
        }
        let entry = try #require(try await server.read(user.dn, ["lockoutTime", "badPwdCount"]))
        #expect(entry.values("lockoutTime").map { String(decoding: $0, as: UTF8.self) } == ["0"])
        #expect(try await server.canBind(user.dn, user.password))
    }

    /// An administrative reset does not unlock in AD: a locked user needs both, in either order.
    @Test func resetOfALockedAccountThenUnlockLetsItBind() async throws {
        let server = try TestADServer.current()
        let user = try await server.createUser("lockreset")
        for _ in 0..<3 { _ = try await server.bind(user.dn, "Wrong-password-1") }
        try await withDirectory(server.settings(url: server.url, startTLS: true)) { directory async throws in
            let account = try #require(try await directory.account(username: user.sam))
            #expect(account.locked)
            try await directory.resetPassword(account, newPassword: "After-lockout-1")
            #expect(try await server.canBind(user.dn, "After-lockout-1") == false, "still locked after the reset alone")
            try await directory.unlock(account)
        }
        #expect(try await server.canBind(user.dn, "After-lockout-1"))
    }

    /// Samba's default `ldap server require strong auth = yes`, as Windows with LDAP signing required: a simple bind
    /// on a plain connection is refused. Lifeline never tries it for AD (the configuration is refused before
    /// anything is sent); configured as plain OpenLDAP on loopback by mistake, the service bind fails and the
    /// directory is "unavailable" with AD's reason for the operator, not a refusal shown to the user.
    @Test func aSimpleBindOverPlainLDAPIsRefused() async throws {
        let server = try TestADServer.current()
        let endpoint = try LDAPEndpoint(url: server.url)
        let connection = try await LDAPConnection.connect(host: endpoint.host, port: endpoint.port, implicitTLS: nil, timeout: .seconds(60))
        let plain = try await connection.bind(dn: server.adminDN, password: server.adminPassword)
        await connection.close()
        #expect(plain.resultCode == LDAPResultCode(rawValue: 8), "strongerAuthRequired: \(plain)")
        #expect(plain.diagnosticMessage.contains("Transport encryption required"), "\(plain)")

        let refusedByLifeline = await #expect(throws: DirectoryUnavailable.self) {
            try await withDirectory(server.settings(url: server.url)) { try await $0.account(username: "alice") }
        }
        #expect(refusedByLifeline?.description.contains("Active Directory needs an encrypted connection") == true,
                "\(String(describing: refusedByLifeline))")

        let misconfigured = await #expect(throws: DirectoryUnavailable.self) {
            try await withDirectory(server.settings(url: server.url, flavor: .openldap)) { try await $0.account(username: "alice") }
        }
        let reported = misconfigured?.description ?? ""
        #expect(reported.contains("the service account's bind was refused: strongerAuthRequired (8)"), "\(reported)")
        #expect(reported.contains("Transport encryption required"), "\(reported)")
    }

    /// The system trust store does not know the test CA: no connection, no bind, no password sent.
    @Test(arguments: [false, true])
    func tlsIsVerified(startTLS: Bool) async throws {
        let server = try TestADServer.current()
        try await withDirectory(server.settings(startTLS: startTLS, systemTrust: true)) { directory async throws in
            let error = await #expect(throws: DirectoryUnavailable.self) { try await directory.account(username: "alice") }
            #expect(error?.description.contains("TLS") == true, "\(String(describing: error))")
        }
    }

    /// The service account holds only the delegated rights on OU=People: a reset outside it (the Administrator in
    /// CN=Users) is refused, not "unavailable".
    @Test func theServiceAccountCannotResetOutsideItsDelegation() async throws {
        let server = try TestADServer.current()
        try await withDirectory(server.settings()) { directory async throws in
            let administrator = DirectoryAccount(reference: server.adminDN, locked: false)
            await #expect(throws: DirectoryRefusal.refused) { try await directory.resetPassword(administrator, newPassword: "Taken-over-1!") }
        }
        #expect(try await server.canBind(server.adminDN, server.adminPassword))
    }
}
