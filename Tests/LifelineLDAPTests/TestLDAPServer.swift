import Foundation
import LifelineCore
@testable import LifelineLDAP
import Logging
import Testing

/// The OpenLDAP server the tests run against, started by `scripts/peers/slapd.sh` (scripts/test.sh does it and
/// exports its variables). Why no skip when it is missing: a directory adapter that was never run against a
/// directory is not tested; the tests fail with this message instead.
struct TestLDAPServer: Sendable {
    let url: String
    let ldapsURL: String
    let caFile: String
    let otherCAFile: String
    let baseDN: String
    let bindDN: String
    let adminDN: String
    let adminPassword: String
    /// The environment variable the service account's password is read from (as a tenant's configuration would).
    static let bindPasswordEnv = "LIFELINE_TEST_LDAP_BIND_PASSWORD"

    static func current() throws -> TestLDAPServer {
        let env = ProcessInfo.processInfo.environment
        func value(_ name: String) throws -> String {
            try #require(env[name].flatMap { $0.isEmpty ? nil : $0 },
                         "\(name) is not set: run scripts/test.sh, or start slapd with `scripts/peers/slapd.sh start DIR 0` and export the lines it prints")
        }
        return TestLDAPServer(
            url: try value("LIFELINE_TEST_LDAP_URL"), ldapsURL: try value("LIFELINE_TEST_LDAPS_URL"),
            caFile: try value("LIFELINE_TEST_LDAP_CA"), otherCAFile: try value("LIFELINE_TEST_LDAP_OTHER_CA"),
            baseDN: try value("LIFELINE_TEST_LDAP_BASE_DN"), bindDN: try value("LIFELINE_TEST_LDAP_BIND_DN"),
            adminDN: try value("LIFELINE_TEST_LDAP_ADMIN_DN"), adminPassword: try value("LIFELINE_TEST_LDAP_ADMIN_PASSWORD"))
    }

    var endpoint: LDAPEndpoint { get throws { try LDAPEndpoint(url: url) } }
    var port: Int { get throws { try endpoint.port } }
    var ldapsPort: Int { get throws { try LDAPEndpoint(url: ldapsURL).port } }
    var peopleDN: String { "ou=people,\(baseDN)" }

    /// Directory settings for this server (plain LDAP on 127.0.0.1 unless told otherwise). The 60 s timeout: CI runs
    /// every suite at once on 2 cores, where 10 s could run out; the timeout tests pass their own short one.
    func settings(url: String? = nil, startTLS: Bool = false, caFile: String? = nil, userFilter: String? = nil,
                  timeout: Int = 60) -> LDAPSettings {
        LDAPSettings(url: url ?? self.url, startTLS: startTLS, caFile: caFile, bindDN: bindDN, bindPasswordEnv: Self.bindPasswordEnv,
                     baseDN: baseDN, userFilter: userFilter, flavor: .openldap, timeout: timeout)
    }

    /// A new user with a unique uid (tests run in parallel and change their users), created by the rootdn.
    func createUser(_ prefix: String, password: String? = nil) async throws -> TestUser {
        let uid = "\(prefix)-\(UUID().uuidString.prefix(8).lowercased())"
        let user = TestUser(uid: uid, dn: "uid=\(uid),\(peopleDN)", password: password ?? "initial-\(uid)")
        let connection = try await adminConnection()
        let result = try await connection.add(dn: user.dn, attributes: [
            ("objectClass", [Array("inetOrgPerson".utf8)]), ("uid", [Array(uid.utf8)]), ("cn", [Array(uid.utf8)]),
            ("sn", [Array("Test".utf8)]), ("userPassword", [Array(user.password.utf8)]),
        ])
        await connection.close()
        #expect(result.isSuccess, "adding \(user.dn): \(result)")
        return user
    }

    /// A connection bound as the rootdn (fixtures and checks only).
    func adminConnection() async throws -> LDAPConnection {
        let endpoint = try self.endpoint
        let connection = try await LDAPConnection.connect(host: endpoint.host, port: endpoint.port, implicitTLS: nil, timeout: .seconds(60))
        let result = try await connection.bind(dn: adminDN, password: adminPassword)
        try #require(result.isSuccess, "admin bind: \(result)")
        return connection
    }

    /// The result of a real simple bind as `dn` on a new connection.
    func bind(_ dn: String, _ password: String) async throws -> LDAPResult {
        let endpoint = try self.endpoint
        let connection = try await LDAPConnection.connect(host: endpoint.host, port: endpoint.port, implicitTLS: nil, timeout: .seconds(60))
        let result = try await connection.bind(dn: dn, password: password)
        await connection.close()
        return result
    }

    func canBind(_ dn: String, _ password: String) async throws -> Bool { try await bind(dn, password).isSuccess }

    /// The values of attributes of one entry, read by the rootdn (operational ones included when named).
    func read(_ dn: String, _ attributes: [String]) async throws -> LDAPEntry? {
        let connection = try await adminConnection()
        let search = try await connection.search(LDAPSearchRequest(baseDN: dn, scope: .baseObject, filter: .present("objectClass"),
                                                                   attributes: attributes))
        await connection.close()
        return search.entries.first
    }
}

struct TestUser: Sendable {
    let uid: String
    let dn: String
    let password: String
}

/// Log output of the adapter under test: only warnings and worse, to stderr (swift test shows it on failure).
let testLogger: Logger = {
    var logger = Logger(label: "lifeline.ldap-tests")
    logger.logLevel = .warning
    return logger
}()

/// The service account's password as the composition root would read it: from this process's environment (the
/// adapter reads none itself).
struct EnvironmentSecrets: SecretReader {
    func read(_ location: SecretLocation) -> String? {
        guard case .environment(let name) = location else { return nil }
        return ProcessInfo.processInfo.environment[name]
    }
}

let testSecrets = EnvironmentSecrets()

/// Runs `body` with a directory and shuts it down afterwards, whatever happens.
@discardableResult
func withDirectory<T>(_ settings: LDAPSettings, _ body: (LDAPDirectory) async throws -> T) async throws -> T {
    let directory = LDAPDirectory(settings: settings, secrets: testSecrets, logger: testLogger)
    do {
        let value = try await body(directory)
        await directory.shutdown()
        return value
    } catch {
        await directory.shutdown()
        throw error
    }
}
