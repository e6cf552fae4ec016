import Foundation
import LifelineApp
import LifelineCore
import Testing

/// `directories.<name>` in the server configuration (YAML file and `LIFELINE_DIRECTORIES_*`), and the tenant file's
/// refusal of the keys that moved there.
@Suite("Directory connections in the server configuration")
struct DirectoryConfigurationTests {
    static func withFile<T>(_ yaml: String, _ body: (String) async throws -> T) async throws -> T {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("lifeline-config-\(UUID().uuidString).yaml").path
        try yaml.write(toFile: path, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: path) }
        return try await body(path)
    }

    static let yaml = """
    server:
      port: 8081
    directories:
      corp:
        url: ldaps://dc1.corp.example
        startTLS: false
        bindDN: CN=svc,DC=corp,DC=example
        bindPasswordFile: /run/secrets/ldap
        flavor: active-directory
        timeout: 15
        baseDNs: [ "OU=Staff,DC=corp,DC=example" ]
        tenants: [ corp, other ]
    """

    @Test func readsTheFileAndTheEnvironment() async throws {
        try await Self.withFile(Self.yaml) { path in
            let c = try await LifelineConfiguration.load(flags: [:], configFile: path, environment: [
                "LIFELINE_DIRECTORIES_CORP_TIMEOUT": "20",
                "LIFELINE_DIRECTORIES_LAB_URL": "ldap://127.0.0.1:1389", "LIFELINE_DIRECTORIES_LAB_BIND_DN": "cn=svc,dc=lab",
                "LIFELINE_DIRECTORIES_LAB_BIND_PASSWORD_ENV": "LAB_PASSWORD",
                "LIFELINE_DIRECTORIES_LAB_BASE_DNS": "ou=a,dc=lab; ou=b,dc=lab", "LIFELINE_DIRECTORIES_LAB_TENANTS": "*",
            ])
            #expect(c.port == 8081)
            #expect(c.directories["corp"] == DirectoryConnection(
                url: "ldaps://dc1.corp.example", bindDN: "CN=svc,DC=corp,DC=example", bindPasswordFile: "/run/secrets/ldap",
                flavor: .activeDirectory, timeout: 20, baseDNs: ["OU=Staff,DC=corp,DC=example"], tenants: ["corp", "other"]))
            #expect(c.directories["lab"] == DirectoryConnection(
                url: "ldap://127.0.0.1:1389", bindDN: "cn=svc,dc=lab", bindPasswordEnv: "LAB_PASSWORD",
                baseDNs: ["ou=a,dc=lab", "ou=b,dc=lab"], tenants: ["*"]))
        }
    }

    @Test func refusesUnknownKeysAndBrokenConnections() async throws {
        let broken: [(String, String)] = [
            ("bindPasswordFlie: /x", "directories.corp.bindPasswordFlie is not a known key"),
            ("bindPasswordEnv: X", "exactly one of bindPasswordEnv and bindPasswordFile"),
            ("tenants: []", "tenants"),
        ]
        for (line, message) in broken {
            let yaml = Self.yaml.replacingOccurrences(of: "    tenants: [ corp, other ]", with: line.hasPrefix("tenants") ? "    \(line)" : "    tenants: [ corp ]\n    \(line)")
            try await Self.withFile(yaml) { path in
                let error = await #expect(throws: LifelineError.self) { try await LifelineConfiguration.load(flags: [:], configFile: path, environment: [:]) }
                #expect(error?.message.contains(message) == true, "\(String(describing: error))")
            }
        }
        await #expect(throws: LifelineError.self) {
            try await LifelineConfiguration.load(flags: [:], configFile: nil, environment: ["LIFELINE_DIRECTORIES_CORP_PASSWORD": "x"])
        }
        // Checked again when the runtime opens, by the adapter: clear text to another host is refused at start.
        var config = LifelineConfiguration()
        config.dataDir = FileManager.default.temporaryDirectory.appendingPathComponent("lifeline-never-\(UUID().uuidString)").path
        config.directories = ["corp": DirectoryConnection(url: "ldap://dc1.corp.example", bindDN: "cn=svc", bindPasswordEnv: "X",
                                                          baseDNs: ["dc=corp"], tenants: ["*"])]
        await #expect(throws: LifelineError.self) { try await LifelineRuntime.withRuntime(config, logger: .init(label: "test")) { _ in } }
        #expect(!FileManager.default.fileExists(atPath: config.dataDir))
    }

    @Test func aTenantFileWithAServerKeyIsRefusedAtItsLine() throws {
        let yaml = """
        tenant: acme
        recovery:
          directory:
            type: ldap
            ldap:
              connection: corp
              bind_password_file: /etc/shadow
        """
        let error = #expect(throws: LifelineError.self) { try TenantFile.parse(yaml) }
        #expect(error?.message.hasPrefix("line 7: recovery.directory.ldap.bind_password_file: is a server setting") == true, "\(String(describing: error))")
        #expect(error?.message.contains("/etc/shadow") == false)
        let named = try TenantFile.parse(yaml.replacingOccurrences(of: "      bind_password_file: /etc/shadow", with: "      base_dn: ou=acme,dc=corp"))
        #expect(named.recovery.directory.ldap == TenantLDAPSettings(connection: "corp", baseDN: "ou=acme,dc=corp"))
    }
}
