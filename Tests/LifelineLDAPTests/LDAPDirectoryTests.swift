import LifelineCore
@testable import LifelineLDAP
import Testing

/// LDAPDirectory against a real OpenLDAP 2.5 with the ppolicy overlay (scripts/peers/slapd.sh): every check of a
/// password is a real bind.
@Suite("LDAPDirectory against slapd")
struct LDAPDirectoryTests {
    @Test func findsAUserByTheFilterAndReturnsItsDN() async throws {
        let server = try TestLDAPServer.current()
        let user = try await server.createUser("find")
        let account = try await withDirectory(server.settings()) { try await $0.account(username: user.uid) }
        #expect(account == DirectoryAccount(reference: user.dn, locked: false))
    }

    @Test func unknownUserIsNil() async throws {
        let server = try TestLDAPServer.current()
        try await withDirectory(server.settings()) { directory async throws in
            #expect(try await directory.account(username: "nobody-\(UInt32.random(in: 0...UInt32.max))") == nil)
            #expect(try await directory.account(username: "") == nil)
        }
    }

    /// `*)(uid=*` would turn `(uid={username})` into `(uid=*)(uid=*)` if pasted unescaped, matching everyone.
    @Test func usernameCannotChangeTheFilter() async throws {
        let server = try TestLDAPServer.current()
        _ = try await server.createUser("inject")
        try await withDirectory(server.settings()) { directory async throws in
            for username in ["*)(uid=*", "*", "inject*", "*)(|(uid=*", "x)(objectClass=*", "\\2a", "inject-\u{0}"] {
                #expect(try await directory.account(username: username) == nil, "username \(username)")
            }
        }
    }

    @Test func moreThanOneMatchIsAmbiguous() async throws {
        let server = try TestLDAPServer.current()
        let prefix = "amb\(UInt16.random(in: 0...UInt16.max))"
        _ = try await server.createUser(prefix)
        _ = try await server.createUser(prefix)
        // A careless filter that matches by prefix: two entries must not be resolved to either of them.
        let settings = server.settings(userFilter: "(&(objectClass=inetOrgPerson)(uid={username}-*))")
        try await withDirectory(settings) { directory async throws in
            let error = await #expect(throws: DirectoryUnavailable.self) { try await directory.account(username: prefix) }
            #expect(error?.description.contains("ambiguous") == true)
        }
    }

    @Test func resetLetsTheUserBindWithTheNewPasswordAndNotTheOld() async throws {
        let server = try TestLDAPServer.current()
        let user = try await server.createUser("reset")
        #expect(try await server.canBind(user.dn, user.password))
        try await withDirectory(server.settings()) { directory async throws in
            let account = try #require(try await directory.account(username: user.uid))
            try await directory.resetPassword(account, newPassword: "Brand-new pass 1")
        }
        #expect(try await server.canBind(user.dn, "Brand-new pass 1"))
        let old = try await server.bind(user.dn, user.password)
        #expect(old.resultCode == .invalidCredentials)
    }

    @Test func tooShortPasswordIsRefusedByThePolicyAndTheOldOneStays() async throws {
        let server = try TestLDAPServer.current()
        let user = try await server.createUser("short")
        try await withDirectory(server.settings()) { directory async throws in
            let account = try #require(try await directory.account(username: user.uid))
            await #expect(throws: DirectoryRefusal.passwordTooShort) { try await directory.resetPassword(account, newPassword: "Ab1!x") }
            await #expect(throws: DirectoryRefusal.passwordTooShort) { try await directory.resetPassword(account, newPassword: "") }
        }
        #expect(try await server.canBind(user.dn, user.password))
    }

    @Test func passwordInHistoryIsRefused() async throws {
        let server = try TestLDAPServer.current()
        let user = try await server.createUser("history")
        try await withDirectory(server.settings()) { directory async throws in
            let account = try #require(try await directory.account(username: user.uid))
            try await directory.resetPassword(account, newPassword: "first-new-password")
            try await directory.resetPassword(account, newPassword: "second-new-password")
            // pwdInHistory 3: the previous password, the one before it and the current one are all refused.
            await #expect(throws: DirectoryRefusal.passwordInHistory) { try await directory.resetPassword(account, newPassword: "first-new-password") }
            await #expect(throws: DirectoryRefusal.passwordInHistory) { try await directory.resetPassword(account, newPassword: user.password) }
            await #expect(throws: DirectoryRefusal.passwordInHistory) { try await directory.resetPassword(account, newPassword: "second-new-password") }
        }
        #expect(try await server.canBind(user.dn, "second-new-password"))
    }

    @Test func failedBindsLockTheAccountAndUnlockClearsIt() async throws {
        let server = try TestLDAPServer.current()
        let user = try await server.createUser("locked")
        // pwdMaxFailure 3, pwdLockout TRUE: three real failed binds lock the account.
        for _ in 0..<3 {
            #expect(try await server.bind(user.dn, "wrong password").resultCode == .invalidCredentials)
        }
        #expect(try await server.canBind(user.dn, user.password) == false, "a locked account must not bind")
        try await withDirectory(server.settings()) { directory async throws in
            let locked = try #require(try await directory.account(username: user.uid))
            #expect(locked.locked)
            try await directory.unlock(locked)
            #expect(try await directory.account(username: user.uid)?.locked == false)
            // Unlocking an unlocked account is no error (replace with no values).
            try await directory.unlock(locked)
        }
        // The failure times are gone too, so one more typo does not lock the account again at once.
        let entry = try #require(try await server.read(user.dn, ["pwdAccountLockedTime", "pwdFailureTime"]))
        #expect(entry.values("pwdFailureTime").isEmpty)
        #expect(entry.values("pwdAccountLockedTime").isEmpty)
        #expect(try await server.bind(user.dn, "one typo").resultCode == .invalidCredentials)
        #expect(try await server.canBind(user.dn, user.password))
    }

    @Test func resetOfALockedAccountThenUnlockLetsItBind() async throws {
        let server = try TestLDAPServer.current()
        let user = try await server.createUser("lockreset")
        for _ in 0..<3 { _ = try await server.bind(user.dn, "wrong password") }
        try await withDirectory(server.settings()) { directory async throws in
            let account = try #require(try await directory.account(username: user.uid))
            #expect(account.locked)
            try await directory.resetPassword(account, newPassword: "after-lockout-1")
            try await directory.unlock(account)
        }
        #expect(try await server.canBind(user.dn, "after-lockout-1"))
    }

    @Test func wrongServicePasswordIsUnavailableNotARefusal() async throws {
        let server = try TestLDAPServer.current()
        var settings = server.settings()
        settings.bindPasswordEnv = "LIFELINE_TEST_LDAP_ADMIN_PASSWORD"  // a real variable with the wrong password
        try await withDirectory(settings) { directory async throws in
            let error = await #expect(throws: DirectoryUnavailable.self) { try await directory.account(username: "alice") }
            #expect(error?.description.contains("invalidCredentials") == true)
            #expect(error?.description.contains(server.adminPassword) == false)
        }
    }

    @Test func serviceConnectionIsReusedAndSurvivesAServerSideDisconnect() async throws {
        let server = try TestLDAPServer.current()
        let user = try await server.createUser("reuse")
        let proxy = try await TCPProxy.start(upstreamPort: try server.port)
        defer { Task { await proxy.stop() } }
        try await withDirectory(server.settings(url: "ldap://127.0.0.1:\(proxy.port)")) { directory async throws in
            let account = try #require(try await directory.account(username: user.uid))
            // Concurrent operations share the one bound connection (pipelined by message id).
            try await withThrowingTaskGroup(of: Void.self) { group in
                for _ in 0..<8 { group.addTask { () async throws in #expect(try await directory.account(username: user.uid) == account) } }
                try await group.waitForAll()
            }
            try await directory.resetPassword(account, newPassword: "reused-conn-1")
            try await directory.unlock(account)
            #expect(proxy.accepted == 1)
            #expect(await directory.connectionsOpened == 1)

            await proxy.dropAll()
            #expect(try await directory.account(username: user.uid) == account)
            try await directory.resetPassword(account, newPassword: "reused-conn-2")
            #expect(proxy.accepted == 2)
            #expect(await directory.connectionsOpened == 2)
        }
        #expect(try await server.canBind(user.dn, "reused-conn-2"))
    }

    @Test func aServerThatDoesNotAnswerTimesOut() async throws {
        let server = try TestLDAPServer.current()
        let silent = try await TCPProxy.start(upstreamPort: nil)
        defer { Task { await silent.stop() } }
        try await withDirectory(server.settings(url: "ldap://127.0.0.1:\(silent.port)", timeout: 1)) { directory async throws in
            let error = await #expect(throws: DirectoryUnavailable.self) { try await directory.account(username: "alice") }
            #expect(error?.description.contains("timeout") == true)
        }
    }

    @Test func connectionRefusedIsUnavailable() async throws {
        let server = try TestLDAPServer.current()
        let closed = try await TCPProxy.start(upstreamPort: nil)
        let port = closed.port
        await closed.stop()
        try await withDirectory(server.settings(url: "ldap://127.0.0.1:\(port)", timeout: 2)) { directory async throws in
            await #expect(throws: DirectoryUnavailable.self) { try await directory.account(username: "alice") }
        }
    }
}
