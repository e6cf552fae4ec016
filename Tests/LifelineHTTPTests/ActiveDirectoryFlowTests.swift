import Foundation
import HummingbirdTesting
import LifelineApp
import LifelineCore
import LifelineTestSupport
import Testing

/// The checks of LDAPFlowTests, against the real Samba 4 AD DC that scripts/test.sh starts (scripts/peers/samba-ad.sh:
/// lockout after 3 wrong passwords, AD's default complexity rule): reset and unlock through the flow API, with a
/// connection of the `active-directory` flavour over LDAPS. Runs in CI always (failing there without the AD DC)
/// and locally when `LIFELINE_TEST_AD_URL` is set (Samba needs root and the ports 389/636).
@Suite("Recovery actions on Active Directory",
       .enabled(if: !(ProcessInfo.processInfo.environment["LIFELINE_TEST_AD_URL"] ?? "").isEmpty
                    || ProcessInfo.processInfo.environment["CI"] == "true",
                "no AD DC (LIFELINE_TEST_AD_URL unset, not CI)"))
struct ActiveDirectoryFlowTests {
    static func env(_ name: String) throws -> String {
        try #require(ProcessInfo.processInfo.environment[name].flatMap { $0.isEmpty ? nil : $0 },
                     "\(name) is not set: run scripts/test.sh (it starts the Samba AD DC)")
    }

    @Test("reset (a domain policy refusal, then success: the new password binds, the old does not) and unlock of a locked account")
    func resetAndUnlock() async throws {
        let ldapsURL = try Self.env("LIFELINE_TEST_AD_LDAPS_URL"), ca = try Self.env("LIFELINE_TEST_AD_CA")
        let people = try Self.env("LIFELINE_TEST_AD_PEOPLE_DN"), bindDN = try Self.env("LIFELINE_TEST_AD_BIND_DN")
        let admin = try Self.env("LIFELINE_TEST_AD_ADMIN_DN"), adminPassword = try Self.env("LIFELINE_TEST_AD_ADMIN_PASSWORD")
        _ = try Self.env("LIFELINE_TEST_AD_BIND_PASSWORD")
        let sam = "flow" + String(UUID().uuidString.prefix(8)).lowercased()
        let dn = "CN=\(sam),\(people)"
        let tag = String(UUID().uuidString.suffix(6)).lowercased()
        let initial = "Initial horse \(tag) 1"
        // The command-line tools (ldap-utils) check the certificate against 127.0.0.1: libldap replaces the name
        // "localhost" by the machine's host name before checking it.
        let tools = ["LDAPTLS_CACERT=\(ca)"], toolsURL = "ldaps://127.0.0.1:636"
        let quoted = Data(("\"" + initial + "\"").utf16.flatMap { [UInt8(truncatingIfNeeded: $0), UInt8(truncatingIfNeeded: $0 >> 8)] })
        #expect(try ldapTool(tools + ["ldapadd", "-x", "-H", toolsURL, "-D", admin, "-w", adminPassword], input: """
            dn: \(dn)
            objectClass: user
            sAMAccountName: \(sam)
            userAccountControl: 512
            unicodePwd:: \(quoted.base64EncodedString())

            """) == 0)
        // Samba has no WhoAmI operation: a bound base search is the bind check.
        @Sendable func binds(_ password: String) throws -> Bool {
            try ldapTool(tools + ["ldapsearch", "-x", "-H", toolsURL, "-D", dn, "-w", password, "-b", people, "-s", "base", "dn"]) == 0
        }
        #expect(try binds(initial))

        // The connection is the operator's (server configuration); the tenant only names it.
        let connection = DirectoryConnection(url: ldapsURL, caFile: ca, bindDN: bindDN, bindPasswordEnv: "LIFELINE_TEST_AD_BIND_PASSWORD",
                                             flavor: .activeDirectory, timeout: 60, baseDNs: [people], tenants: ["demo"])
        try await Fixture.with(configure: { $0.directories = ["test-ad": connection] }) { fx in
            try await fx.seedRecovery()
            var user = AdminService.NewUser(username: sam)
            user.phones = ["+420777123789"]  // the number verifiedFlow uses
            _ = try await fx.runtime.admin.createUser(tenantName: "demo", user, caller: fx.caller)
            var req = EnrollmentRequest(type: .totp)
            req.secretBase32 = testSecretBase32
            _ = try await fx.runtime.admin.enrollToken(tenantName: "demo", username: sam, req, caller: fx.caller)
            var config = try DemoSeeder.tenantFile().recovery
            config.directory = DirectorySettings(type: .ldap, ldap: TenantLDAPSettings(connection: "test-ad", baseDN: people))
            #expect(config.problems().isEmpty, "\(config.problems())")
            _ = try await fx.runtime.admin.applyRecoveryConfig(tenantName: "demo", config, caller: fx.caller)

            try await fx.app().test(.router) { client in
                var flow = try await client.verifiedFlow(fx, sam)
                #expect(availability(flow)["reset-password"] == true && availability(flow)["unlock-account"] == false)
                // Long enough for Lifeline, but one character class only: AD's complexity rule refuses it (AD names
                // no rule, so it is "password quality"); the grant is kept.
                let weak = "onlylowercaseletters"
                let refused = try await client.act(flow, "reset-password", ["password": weak, "confirmation": weak])
                try expectError(refused, .badRequest, "invalid_request")
                #expect(problemIDs(refused) == ["directory.password_quality"])
                #expect(try binds(initial))
                let fresh = "Fresh battery staple \(tag) 2"
                let ok = try await client.act(flow, "reset-password", ["password": fresh, "confirmation": fresh])
                #expect(ok.status == .ok, "\(String(buffer: ok.body))")
                #expect(try binds(fresh))
                #expect(try !binds(initial))

                // Three wrong binds lock the account (threshold 3); a new flow offers unlock, which works.
                for _ in 0..<3 { _ = try binds("Wrong password 1") }
                #expect(try !binds(fresh))
                flow = try await client.verifiedFlow(fx, sam)
                #expect(availability(flow)["unlock-account"] == true)
                let unlocked = try await client.act(flow, "unlock-account")
                #expect(unlocked.status == .ok, "\(String(buffer: unlocked.body))")
                #expect(try binds(fresh))
            }
        }
    }

    @Test("sync by sAMAccountName, mail and mobile through the admin API: computers left out, a user removed from AD is disabled")
    func syncUsers() async throws {
        let ldapsURL = try Self.env("LIFELINE_TEST_AD_LDAPS_URL"), ca = try Self.env("LIFELINE_TEST_AD_CA")
        let people = try Self.env("LIFELINE_TEST_AD_PEOPLE_DN"), bindDN = try Self.env("LIFELINE_TEST_AD_BIND_DN")
        let admin = try Self.env("LIFELINE_TEST_AD_ADMIN_DN"), adminPassword = try Self.env("LIFELINE_TEST_AD_ADMIN_PASSWORD")
        _ = try Self.env("LIFELINE_TEST_AD_BIND_PASSWORD")
        let tag = String(UUID().uuidString.prefix(6)).lowercased()
        let ou = "OU=dir-\(tag),\(people)"
        let (a, b) = ("s\(tag)a", "s\(tag)b")
        let tool = ["LDAPTLS_CACERT=\(ca)"], toolsURL = "ldaps://127.0.0.1:636"
        // An OU of its own: a person with mail and mobile (national spacing, as people type it), one with mail only, and
        // a computer account (objectClass=user with a sAMAccountName too).
        #expect(try ldapTool(tool + ["ldapadd", "-x", "-H", toolsURL, "-D", admin, "-w", adminPassword], input: """
            dn: \(ou)
            objectClass: organizationalUnit

            dn: CN=\(a),\(ou)
            objectClass: user
            sAMAccountName: \(a)
            displayName: Person \(a)
            mail: \(a)@example.org
            mobile: +47 912 34 567

            dn: CN=\(b),\(ou)
            objectClass: user
            sAMAccountName: \(b)
            mail: \(b)@example.org

            dn: CN=pc\(tag),\(ou)
            objectClass: computer
            sAMAccountName: pc\(tag)$
            userAccountControl: 4096

            """) == 0)
        let connection = DirectoryConnection(url: ldapsURL, caFile: ca, bindDN: bindDN, bindPasswordEnv: "LIFELINE_TEST_AD_BIND_PASSWORD",
                                             flavor: .activeDirectory, timeout: 60, baseDNs: [people], tenants: ["demo"])
        try await Fixture.with(configure: { $0.directories = ["test-ad": connection] }) { fx in
            try await fx.seedRecovery()
            var config = try DemoSeeder.tenantFile().recovery
            config.directory = DirectorySettings(type: .ldap, ldap: TenantLDAPSettings(connection: "test-ad", baseDN: ou), users: DirectoryUserSettings())
            #expect(config.problems().isEmpty, "\(config.problems())")
            _ = try await fx.runtime.admin.applyRecoveryConfig(tenantName: "demo", config, caller: fx.caller)
            try await fx.app().test(.router) { client in
                let r = try await client.send(.post, "/api/v1/admin/tenants/demo/directory/sync", key: fx.adminKey)
                #expect(r.status == .ok, "\(String(buffer: r.body))")
                let run = try jsonObject(r)
                #expect(run["created"] as? Int == 2 && run["refused"] as? Int == 0, "\(run)")
                let userA = try await fx.runtime.admin.user(tenantName: "demo", username: a, caller: fx.caller).1
                let contacts = try await fx.runtime.store.contacts(userID: userA.id).map { "\($0.kind.rawValue) \($0.value) \($0.verified)" }.sorted()
                #expect(contacts == ["email \(a)@example.org true", "phone +4791234567 true"])
                #expect(userA.displayName == "Person \(a)")
                let userB = try await fx.runtime.admin.user(tenantName: "demo", username: b, caller: fx.caller).1
                #expect(try await fx.runtime.store.contacts(userID: userB.id).map(\.value) == ["\(b)@example.org"])
                // The computer account did not become a user.
                await #expect(throws: (any Error).self) { _ = try await fx.runtime.admin.user(tenantName: "demo", username: "pc\(tag)$", caller: fx.caller) }

                #expect(try ldapTool(tool + ["ldapdelete", "-x", "-H", toolsURL, "-D", admin, "-w", adminPassword, "CN=\(b),\(ou)"]) == 0)
                let second = try await fx.runtime.directoryUsers.sync(tenantName: "demo", trigger: "test", caller: fx.caller)
                #expect(second.summary == DirectorySyncSummary(created: 0, updated: 0, disabled: 1, unchanged: 1, refused: 0))
                #expect(try await fx.runtime.admin.user(tenantName: "demo", username: b, caller: fx.caller).1.status == .disabled)
                #expect(try await fx.runtime.admin.user(tenantName: "demo", username: a, caller: fx.caller).1.status == .active)
            }
        }
    }
}
