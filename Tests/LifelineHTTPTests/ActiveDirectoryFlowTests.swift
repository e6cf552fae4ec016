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
}
