import Foundation
import LifelineCore
@testable import LifelineLDAP
import Testing

/// The Samba 4 AD domain controller the Active Directory tests run against, started by `scripts/peers/samba-ad.sh`
/// (scripts/test.sh does it and exports its `LIFELINE_TEST_AD_*` variables).
///
/// Why "fail in CI, skip elsewhere" (unlike slapd, whose tests always fail without it): Samba's LDAP server needs
/// root and the fixed ports 389/636, which a developer's machine may not offer; CI runs as root with those ports
/// free, and there a missing AD DC must be a failure, never a silent skip (``mustRun``).
struct TestADServer: Sendable {
    /// `ldap://127.0.0.1:389`: StartTLS is offered on it; a simple bind without TLS is refused.
    let url: String
    /// `ldaps://localhost:636`.
    let ldapsURL: String
    let caFile: String
    let baseDN: String
    /// Where the users live; the service account's delegated rights apply here.
    let peopleDN: String
    let bindDN: String
    let adminDN: String
    let adminPassword: String
    /// The environment variable the service account's password is read from (as the server configuration names it).
    static let bindPasswordEnv = "LIFELINE_TEST_AD_BIND_PASSWORD"

    private static var environment: [String: String] { ProcessInfo.processInfo.environment }

    /// Whether the AD tests run: when the AD DC's variables are set, and always in CI (where ``current()`` then fails).
    static var mustRun: Bool {
        !(environment["LIFELINE_TEST_AD_URL"] ?? "").isEmpty || environment["CI"] == "true"
    }

    static func current() throws -> TestADServer {
        func value(_ name: String) throws -> String {
            try #require(environment[name].flatMap { $0.isEmpty ? nil : $0 },
                         "\(name) is not set: run scripts/test.sh, or (as root, with 389/636 free) `scripts/peers/samba-ad.sh start DIR` and export the lines it prints")
        }
        return TestADServer(
            url: try value("LIFELINE_TEST_AD_URL"), ldapsURL: try value("LIFELINE_TEST_AD_LDAPS_URL"),
            caFile: try value("LIFELINE_TEST_AD_CA"), baseDN: try value("LIFELINE_TEST_AD_BASE_DN"),
            peopleDN: try value("LIFELINE_TEST_AD_PEOPLE_DN"), bindDN: try value("LIFELINE_TEST_AD_BIND_DN"),
            adminDN: try value("LIFELINE_TEST_AD_ADMIN_DN"), adminPassword: try value("LIFELINE_TEST_AD_ADMIN_PASSWORD"))
    }

    /// Directory settings of the `active-directory` flavour: LDAPS by default, or StartTLS on `url` with
    /// `startTLS: true`; verified against the test CA (or the system trust store, which does not know it, with
    /// `systemTrust`). The 60 s timeout as for slapd (CI runs every suite at once).
    func settings(url: String? = nil, startTLS: Bool = false, systemTrust: Bool = false, userFilter: String? = nil,
                  flavor: LDAPSettings.Flavor = .activeDirectory) -> LDAPSettings {
        LDAPSettings(url: url ?? (startTLS ? self.url : ldapsURL), startTLS: startTLS, caFile: systemTrust ? nil : caFile, bindDN: bindDN,
                     bindPasswordEnv: Self.bindPasswordEnv, baseDN: peopleDN, userFilter: userFilter, flavor: flavor, timeout: 60)
    }

    /// A connection over LDAPS, verified against the test CA (AD refuses simple binds and passwords in clear).
    func tlsConnection() async throws -> LDAPConnection {
        let endpoint = try LDAPEndpoint(url: ldapsURL)
        let upgrade = StartTLSUpgrade(context: try LDAPTLS.makeContext(caFile: caFile), serverHostname: endpoint.tlsServerName)
        return try await LDAPConnection.connect(host: endpoint.host, port: endpoint.port, implicitTLS: upgrade, timeout: .seconds(60))
    }

    /// A connection bound as the domain's Administrator (fixtures and checks only).
    func adminConnection() async throws -> LDAPConnection {
        let connection = try await tlsConnection()
        let result = try await connection.bind(dn: adminDN, password: adminPassword)
        try #require(result.isSuccess, "admin bind: \(result)")
        return connection
    }

    /// A new, enabled user under OU=People (or `parent`) with a unique sAMAccountName (tests run in parallel and lock
    /// or change their users), `mail`, `mobile` and `displayName`, created by the Administrator. The password meets
    /// AD's complexity rule.
    func createUser(_ prefix: String, in parent: String? = nil, password: String? = nil, mail: String? = nil,
                    mobile: String? = nil) async throws -> TestADUser {
        // sAMAccountName is at most 20 characters.
        let sam = "\(prefix.prefix(11))-\(UUID().uuidString.prefix(8).lowercased())"
        let user = TestADUser(sam: sam, dn: "CN=\(sam),\(parent ?? peopleDN)", password: password ?? "Initial-\(sam)-1",
                              mail: mail ?? "\(sam)@lifeline.test", mobile: mobile ?? "+42077\(UInt32.random(in: 1_000_000...9_999_999))")
        let connection = try await adminConnection()
        let result = try await connection.add(dn: user.dn, attributes: [
            ("objectClass", [Array("user".utf8)]), ("cn", [Array(sam.utf8)]), ("sAMAccountName", [Array(sam.utf8)]),
            ("userPrincipalName", [Array("\(sam)@lifeline.test".utf8)]), ("mail", [Array(user.mail.utf8)]),
            ("mobile", [Array(user.mobile.utf8)]), ("displayName", [Array("Person \(sam)".utf8)]),
            ("unicodePwd", [ActiveDirectoryPassword.unicodePwd(user.password)]),
            // 512: NORMAL_ACCOUNT, enabled (without it the account is created disabled).
            ("userAccountControl", [Array("512".utf8)]),
        ])
        await connection.close()
        try #require(result.isSuccess, "adding \(user.dn): \(result)")
        return user
    }

    /// A new OU under OU=People (a test's own subtree for listing users); its DN.
    func createOU(_ prefix: String) async throws -> String {
        let name = "\(prefix)-\(UUID().uuidString.prefix(8).lowercased())"
        let dn = "OU=\(name),\(peopleDN)"
        try await add(dn, [("objectClass", ["organizationalUnit"]), ("ou", [name])])
        return dn
    }

    /// A computer account in `parent`: `objectClass=user` too, with a sAMAccountName ending in `$`, but
    /// `objectCategory=Computer`.
    func createComputer(_ name: String, in parent: String) async throws {
        try await add("CN=\(name),\(parent)", [("objectClass", ["computer"]), ("cn", [name]), ("sAMAccountName", ["\(name)$"]),
                                               ("userAccountControl", ["4096"])])  // WORKSTATION_TRUST_ACCOUNT
    }

    /// Adds an entry as the Administrator (text values).
    func add(_ dn: String, _ attributes: [(String, [String])]) async throws {
        let connection = try await adminConnection()
        let result = try await connection.add(dn: dn, attributes: attributes.map { ($0.0, $0.1.map { Array($0.utf8) }) })
        await connection.close()
        try #require(result.isSuccess, "adding \(dn): \(result)")
    }

    /// The result of a real simple bind as `dn` over LDAPS on a new connection.
    func bind(_ dn: String, _ password: String) async throws -> LDAPResult {
        let connection = try await tlsConnection()
        let result = try await connection.bind(dn: dn, password: password)
        await connection.close()
        return result
    }

    func canBind(_ dn: String, _ password: String) async throws -> Bool { try await bind(dn, password).isSuccess }

    /// Attributes of one entry, read by the Administrator.
    func read(_ dn: String, _ attributes: [String]) async throws -> LDAPEntry? {
        let connection = try await adminConnection()
        let search = try await connection.search(LDAPSearchRequest(baseDN: dn, scope: .baseObject, filter: .present("objectClass"),
                                                                   attributes: attributes))
        await connection.close()
        return search.entries.first
    }
}

struct TestADUser: Sendable {
    /// sAMAccountName, the username Lifeline looks up.
    let sam: String
    let dn: String
    let password: String
    let mail: String
    let mobile: String
}
