import Foundation
import HummingbirdTesting
import LifelineApp
import LifelineCore
import Testing

/// Users from the directory through the whole server (composition root, SQL store, LDAP adapter) against the real
/// slapd that scripts/test.sh starts: the sync, its admin API, and the lookup at a flow's start.
@Suite("Users from OpenLDAP")
struct DirectoryUsersLDAPTests {
    static func env(_ name: String) throws -> String {
        try #require(ProcessInfo.processInfo.environment[name], "\(name) is not set: run scripts/test.sh (it starts slapd)")
    }

    /// A fresh OU under ou=people with `users` (uid, mail, mobile); returns its DN.
    static func organization(_ users: [(String, String?, String?)]) throws -> String {
        let url = try env("LIFELINE_TEST_LDAP_URL"), base = try env("LIFELINE_TEST_LDAP_BASE_DN")
        let admin = try env("LIFELINE_TEST_LDAP_ADMIN_DN"), password = try env("LIFELINE_TEST_LDAP_ADMIN_PASSWORD")
        let ou = "dir-\(UUID().uuidString.prefix(8).lowercased())"
        let dn = "ou=\(ou),ou=people,\(base)"
        var ldif = "dn: \(dn)\nobjectClass: organizationalUnit\nou: \(ou)\n"
        for (uid, mail, mobile) in users {
            ldif += "\ndn: uid=\(uid),\(dn)\nobjectClass: inetOrgPerson\nuid: \(uid)\ncn: \(uid)\nsn: Test\ndisplayName: Person \(uid)\n"
            if let mail { ldif += "mail: \(mail)\n" }
            if let mobile { ldif += "mobile: \(mobile)\n" }
        }
        #expect(try ldapTool(["ldapadd", "-x", "-H", url, "-D", admin, "-w", password], input: ldif) == 0)
        return dn
    }

    static func remove(_ dn: String) throws {
        #expect(try ldapTool(["ldapdelete", "-x", "-H", try env("LIFELINE_TEST_LDAP_URL"), "-D", try env("LIFELINE_TEST_LDAP_ADMIN_DN"),
                              "-w", try env("LIFELINE_TEST_LDAP_ADMIN_PASSWORD"), dn]) == 0)
    }

    /// The server's connections: `test-slapd` (the real one) and `dead` (a port where nothing listens).
    static func connections() throws -> [String: DirectoryConnection] {
        let base = try env("LIFELINE_TEST_LDAP_BASE_DN"), bindDN = try env("LIFELINE_TEST_LDAP_BIND_DN")
        _ = try env("LIFELINE_TEST_LDAP_BIND_PASSWORD")
        return ["test-slapd": DirectoryConnection(url: try env("LIFELINE_TEST_LDAP_URL"), bindDN: bindDN, bindPasswordEnv: "LIFELINE_TEST_LDAP_BIND_PASSWORD",
                                                  timeout: 60, baseDNs: [base], tenants: ["*"]),
                "dead": DirectoryConnection(url: "ldap://127.0.0.1:9", bindDN: bindDN, bindPasswordEnv: "LIFELINE_TEST_LDAP_BIND_PASSWORD",
                                            timeout: 5, baseDNs: [base], tenants: ["*"])]
    }

    /// Applies the demo recovery configuration to `tenant` with its users from `connection`, under `baseDN`.
    static func useDirectory(_ fx: Fixture, tenant: String = "demo", connection: String = "test-slapd", baseDN: String, users: DirectoryUserSettings = DirectoryUserSettings()) async throws {
        var config = try DemoSeeder.tenantFile().recovery
        config.directory = DirectorySettings(type: .ldap, ldap: TenantLDAPSettings(connection: connection, baseDN: baseDN), users: users)
        _ = try await fx.runtime.admin.applyRecoveryConfig(tenantName: tenant, config, caller: fx.caller)
    }

    @Test("sync by uid, mail and mobile through the admin API; a user removed from the directory is disabled; the status shows the last run")
    func sync() async throws {
        let tag = UUID().uuidString.prefix(6).lowercased()
        let ou = try Self.organization([("s\(tag)a", "s\(tag)a@example.org", "+47 912 34 567"), ("s\(tag)b", "s\(tag)b@example.org", nil)])
        try await Fixture.with(configure: { $0.directories = try! Self.connections() }) { fx in
            try await fx.seedRecovery()
            try await Self.useDirectory(fx, baseDN: ou)
            try await fx.app().test(.router) { client in
                let r = try await client.send(.post, "/api/v1/admin/tenants/demo/directory/sync", key: fx.adminKey)
                #expect(r.status == .ok, "\(String(buffer: r.body))")
                let run = try jsonObject(r)
                #expect(run["created"] as? Int == 2 && run["refused"] as? Int == 0, "\(run)")
                let a = try await fx.runtime.admin.user(tenantName: "demo", username: "s\(tag)a", caller: fx.caller).1
                let contacts = try await fx.runtime.store.contacts(userID: a.id).map { "\($0.kind.rawValue) \($0.value) \($0.verified)" }.sorted()
                #expect(contacts == ["email s\(tag)a@example.org true", "phone +4791234567 true"])
                #expect(a.displayName == "Person s\(tag)a")

                try Self.remove("uid=s\(tag)b,\(ou)")
                let second = try await fx.runtime.directoryUsers.sync(tenantName: "demo", trigger: "test", caller: fx.caller)
                #expect(second.summary == DirectorySyncSummary(created: 0, updated: 0, disabled: 1, unchanged: 1, refused: 0))
                #expect(try await fx.runtime.admin.user(tenantName: "demo", username: "s\(tag)b", caller: fx.caller).1.status == .disabled)

                let status = try jsonObject(try await client.send(.get, "/api/v1/admin/tenants/demo/directory", key: fx.adminKey))
                #expect((status["attributes"] as? [String: Any])?["username"] as? String == "uid")
                #expect((status["last_sync"] as? [String: Any])?["disabled"] as? Int == 1, "\(status)")
                // A key of the helpdesk role may not run a sync (directory.sync).
                let helpdesk = try await fx.key(.helpdesk, tenant: "demo")
                #expect(try await client.send(.post, "/api/v1/admin/tenants/demo/directory/sync", key: helpdesk).status == .forbidden)
            }
        }
    }

    @Test("a flow for a user only in the directory creates the local user with its contacts from the directory")
    func lookupAtFlowStart() async throws {
        let uid = "f\(UUID().uuidString.prefix(6).lowercased())"
        let ou = try Self.organization([(uid, "\(uid)@example.org", "+420 777 555 123")])
        try await Fixture.with(configure: { $0.directories = try! Self.connections() }) { fx in
            try await fx.seedRecovery()
            try await Self.useDirectory(fx, baseDN: ou)
            try await fx.app().test(.router) { client in
                _ = try await client.startFlow(uid)
                let user = try await fx.runtime.admin.user(tenantName: "demo", username: uid, caller: fx.caller).1
                #expect(user.status == .active)
                let contacts = try await fx.runtime.store.contacts(userID: user.id).map(\.value).sorted()
                #expect(contacts == ["+420777555123", "\(uid)@example.org"])
            }
        }
    }

    @Test("the flow's answer has the same shape whether the directory has the user, has not, or is down (and no 500)")
    func lookupIndistinguishable() async throws {
        let uid = "d\(UUID().uuidString.prefix(6).lowercased())"
        let ou = try Self.organization([(uid, "\(uid)@example.org", "+420 777 555 124")])
        try await Fixture.with(configure: { $0.directories = try! Self.connections() }) { fx in
            try await fx.seedRecovery()
            try await Self.useDirectory(fx, baseDN: ou)
            _ = try await fx.runtime.admin.createTenant(name: "down", displayName: "Down", caller: fx.caller)
            try await Self.useDirectory(fx, tenant: "down", connection: "dead", baseDN: ou)
            try await fx.app().test(.router) { client in
                /// What a caller sees, without the values that differ per flow anyway (id, expiry, masks).
                func shape(_ doc: [String: Any]) -> String {
                    let fields = (doc["fields"] as? [[String: Any]] ?? []).map { "\($0["name"] ?? "")/\($0["type"] ?? "")/\(($0["options"] as? [Any])?.count ?? -1)" }
                    return "\(doc["state"] ?? "") \(doc.keys.sorted()) \(fields) \((doc["actions"] as? [Any])?.count ?? -1)"
                }
                let found = shape(try await client.startFlow(uid))
                let unknown = shape(try await client.startFlow("nobody-\(uid)"))
                let down = shape(try await client.startFlow(uid, tenant: "down"))
                #expect(found == unknown)
                #expect(found == down)
                // Both names were looked up (and recorded), found or not: the next start within lookup_interval asks nobody.
                let demo = try #require(try await fx.runtime.store.tenant(named: "demo"))
                #expect(try await fx.runtime.store.directoryLookupTime(tenantID: demo.id, usernameKey: uid) != nil)
                #expect(try await fx.runtime.store.directoryLookupTime(tenantID: demo.id, usernameKey: "nobody-\(uid)") != nil)
            }
        }
    }
}
