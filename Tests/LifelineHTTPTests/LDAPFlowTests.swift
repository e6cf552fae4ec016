import Foundation
import HummingbirdTesting
import LifelineApp
import LifelineCore
import LifelineTestSupport
import Testing

/// Runs an OpenLDAP client tool (ldap-utils); returns its exit status.
@discardableResult
func ldapTool(_ args: [String], input: String? = nil) throws -> Int32 {
    try ChildProcess.run(args, input: Array((input ?? "").utf8)).status
}

/// Reset and unlock through the flow API against the real OpenLDAP that scripts/test.sh starts (ppolicy:
/// history 3, lock after 3 failures): the composition root's resolver, the LDAP adapter and the flow together.
@Suite("Recovery actions on OpenLDAP")
struct LDAPFlowTests {
    static func env(_ name: String) throws -> String {
        try #require(ProcessInfo.processInfo.environment[name], "\(name) is not set: run scripts/test.sh (it starts slapd)")
    }

    @Test("reset (a ppolicy refusal, then success: the new password binds, the old does not) and unlock of a locked account")
    func resetAndUnlock() async throws {
        let url = try Self.env("LIFELINE_TEST_LDAP_URL"), base = try Self.env("LIFELINE_TEST_LDAP_BASE_DN")
        let admin = try Self.env("LIFELINE_TEST_LDAP_ADMIN_DN"), adminPassword = try Self.env("LIFELINE_TEST_LDAP_ADMIN_PASSWORD")
        let bindDN = try Self.env("LIFELINE_TEST_LDAP_BIND_DN")
        _ = try Self.env("LIFELINE_TEST_LDAP_BIND_PASSWORD")
        let uid = "flow" + String(UUID().uuidString.prefix(8)).lowercased()
        let dn = "uid=\(uid),ou=people,\(base)"
        let tag = String(UUID().uuidString.suffix(6)).lowercased()
        let initial = "initial horse \(tag)"
        #expect(try ldapTool(["ldapadd", "-x", "-H", url, "-D", admin, "-w", adminPassword],
                             input: "dn: \(dn)\nobjectClass: inetOrgPerson\nuid: \(uid)\ncn: \(uid)\nsn: Test\nuserPassword: \(initial)\n") == 0)
        @Sendable func binds(_ password: String) throws -> Bool { try ldapTool(["ldapwhoami", "-x", "-H", url, "-D", dn, "-w", password]) == 0 }
        #expect(try binds(initial))

        // The connection is the operator's (server configuration); the tenant only names it.
        let connection = DirectoryConnection(url: url, bindDN: bindDN, bindPasswordEnv: "LIFELINE_TEST_LDAP_BIND_PASSWORD", timeout: 60,
                                             baseDNs: [base], tenants: ["demo"])
        try await Fixture.with(configure: { $0.directories = ["test-slapd": connection] }) { fx in
            try await fx.seedRecovery()
            var user = AdminService.NewUser(username: uid)
            user.phones = ["+420777123789"]
            _ = try await fx.runtime.admin.createUser(tenantName: "demo", user, caller: fx.caller)
            var req = EnrollmentRequest(type: .totp)
            req.secretBase32 = testSecretBase32
            _ = try await fx.runtime.admin.enrollToken(tenantName: "demo", username: uid, req, caller: fx.caller)
            var config = try DemoSeeder.tenantFile().recovery
            config.directory = DirectorySettings(type: .ldap, ldap: TenantLDAPSettings(connection: "test-slapd", baseDN: "ou=people,\(base)"))
            #expect(config.problems().isEmpty, "\(config.problems())")
            _ = try await fx.runtime.admin.applyRecoveryConfig(tenantName: "demo", config, caller: fx.caller)

            try await fx.app().test(.router) { client in
                var flow = try await client.verifiedFlow(fx, uid)
                #expect(availability(flow)["reset-password"] == true && availability(flow)["unlock-account"] == false)
                // The current password again: ppolicy refuses it (history); the grant is kept.
                let refused = try await client.act(flow, "reset-password", ["password": initial, "confirmation": initial])
                try expectError(refused, .badRequest, "invalid_request")
                #expect(problemIDs(refused) == ["directory.password_in_history"])
                let fresh = "fresh battery staple \(tag)"
                let ok = try await client.act(flow, "reset-password", ["password": fresh, "confirmation": fresh])
                #expect(ok.status == .ok, "\(String(buffer: ok.body))")
                #expect(try binds(fresh))
                #expect(try !binds(initial))

                // Three wrong binds lock the account (ppolicy); a new flow offers unlock, which works.
                for _ in 0..<3 { _ = try binds("wrong password") }
                #expect(try !binds(fresh))
                flow = try await client.verifiedFlow(fx, uid)
                #expect(availability(flow)["unlock-account"] == true)
                let unlocked = try await client.act(flow, "unlock-account")
                #expect(unlocked.status == .ok, "\(String(buffer: unlocked.body))")
                #expect(try binds(fresh))
            }
        }
    }
}
