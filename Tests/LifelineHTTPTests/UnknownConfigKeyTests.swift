import Foundation
import HTTPTypes
import HummingbirdTesting
import LifelineApp
import LifelineCore
import Testing
import Yams

/// A configuration with a key Lifeline does not know is refused, naming the key (issue 13 item 4): a misspelt
/// `wrong_per_stp` would otherwise leave the safe default in place while the operator believes it changed.
@Suite("Unknown configuration keys")
struct UnknownConfigKeyTests {
    /// The demo tenant file with an LDAP directory, so every nested object of a tenant file is present.
    static func fullTenant() throws -> [String: Any] {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../Sources/LifelineApp/Resources/demo-tenant.yaml")
        let text = try String(contentsOf: url, encoding: .utf8)
        var root = try #require(try Yams.load(yaml: text) as? [String: Any])
        var recovery = try #require(root["recovery"] as? [String: Any])
        recovery["directory"] = ["type": "ldap", "ldap": ["connection": "corp", "base_dn": "OU=Staff,DC=corp,DC=example", "user_filter": "(uid={username})"]]
        root["recovery"] = recovery
        return root
    }

    /// Every path (keys and list indexes) of an object in `node`, except the data maps (`names`, `texts`) whose keys
    /// are languages.
    static func objectPaths(_ node: Any, _ path: [String] = []) -> [[String]] {
        if let map = node as? [String: Any] {
            if let last = path.last, ["names", "texts"].contains(last) { return [] }
            return [path] + map.sorted { $0.key < $1.key }.flatMap { objectPaths($0.value, path + [$0.key]) }
        }
        if let list = node as? [Any] { return list.enumerated().flatMap { objectPaths($0.element, path + [String($0.offset)]) } }
        return []
    }

    static func inserting(_ key: String, at path: [String], into node: Any) -> Any {
        guard let first = path.first else {
            var map = node as! [String: Any]
            map[key] = 1
            return map
        }
        let rest = Array(path.dropFirst())
        if var map = node as? [String: Any] { map[first] = inserting(key, at: rest, into: map[first]!); return map }
        var list = node as! [Any]
        list[Int(first)!] = inserting(key, at: rest, into: list[Int(first)!])
        return list
    }

    @Test("tenant apply: an unknown key in any object of the file is refused with its path and line")
    func tenantFileEveryLevel() throws {
        let root = try Self.fullTenant()
        _ = try TenantFile.parse(try Yams.dump(object: root))  // the file itself is fine
        let paths = Self.objectPaths(root)
        #expect(paths.count > 15, "too few objects to be thorough: \(paths)")
        for path in paths {
            let yaml = try Yams.dump(object: Self.inserting("bogus_key", at: path, into: root))
            let expected = (path + ["bogus_key"]).joined(separator: ".")
            do {
                _ = try TenantFile.parse(yaml)
                Issue.record("\(expected) was accepted")
            } catch let e as LifelineError {
                #expect(e.message.contains(expected) && e.message.contains("not a known key"), "\(expected): \(e.message)")
                #expect(e.message.hasPrefix("line "), "no line: \(e.message)")
            }
        }
    }

    @Test("tenant apply: the misspelt wrong_per_stp is refused, naming the known keys")
    func misspeltLimit() throws {
        let yaml = """
            tenant: acme
            recovery:
              limits:
                wrong_per_stp: 2
            """
        let e = try #require(throws: LifelineError.self) { try TenantFile.parse(yaml) }
        #expect(e.message.contains("line 4: recovery.limits.wrong_per_stp: is not a known key"), "\(e.message)")
        #expect(e.message.contains("wrong_per_step"), "the known keys are not listed: \(e.message)")
    }

    @Test("a stored configuration is read leniently: only input is strict")
    func storedIsLenient() throws {
        let json = #"{"limits":{"wrong_per_step":3,"retired_key":1},"retired_top":true}"#
        let config = try JSONDecoder().decode(RecoveryConfig.self, from: Data(json.utf8))
        #expect(config.limits.wrongPerStep == 3)
        let strict = JSONDecoder()
        strict.userInfo[ConfigKeyCheck.strict] = true
        #expect(throws: ConfigProblem.self) { try strict.decode(RecoveryConfig.self, from: Data(json.utf8)) }
    }

    @Test("admin API: PUT of a recovery configuration with an unknown key is a 400 naming it, and changes nothing")
    func adminPut() async throws {
        try await Fixture.with { fx in
            try await fx.seedRecovery()
            try await fx.app().test(.router) { client in
                let get = try await client.send(.get, "/api/v1/admin/tenants/demo/recovery", key: fx.adminKey)
                var config = try jsonObject(get)
                // What GET shows can be PUT back as it is.
                let same = try await client.send(.put, "/api/v1/admin/tenants/demo/recovery", key: fx.adminKey, json: config)
                let sameChanged = try jsonObject(same)["changed"] as? Bool
                #expect(same.status == .ok && sameChanged == false, "\(String(buffer: same.body))")
                var limits = try #require(config["limits"] as? [String: Any])
                limits["wrong_per_stp"] = 2
                limits["wrong_per_step"] = 2
                config["limits"] = limits
                let r = try await client.send(.put, "/api/v1/admin/tenants/demo/recovery", key: fx.adminKey, json: config)
                try expectError(r, .badRequest, "invalid_request")
                let message = try jsonObject(r)["message"] as? String
                #expect(message?.contains("limits.wrong_per_stp") == true, "\(String(buffer: r.body))")
                config["bogus_key"] = 1
                var methods = try #require(config["methods"] as? [[String: Any]])
                methods[0]["code_lenght"] = 8
                config["methods"] = methods
                limits["wrong_per_stp"] = nil
                config["limits"] = limits
                let r2 = try await client.send(.put, "/api/v1/admin/tenants/demo/recovery", key: fx.adminKey, json: config)
                try expectError(r2, .badRequest, "invalid_request")
            }
            #expect(try await fx.runtime.admin.recoveryConfig(tenantName: "demo", caller: fx.caller).limits.wrongPerStep == 5)
        }
    }

    /// Writes `yaml` to a temporary file and loads the server configuration from it.
    static func load(_ yaml: String, environment: [String: String] = [:]) async throws -> LifelineConfiguration {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("lifeline-config-\(UUID().uuidString).yaml")
        try yaml.write(to: url, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: url) }
        return try await LifelineConfiguration.load(flags: [:], configFile: url.path, environment: environment)
    }

    @Test("server configuration: an unknown key in the YAML file is refused with its path",
          arguments: ["server:\n  prot: 80\n", "otp:\n  maxfail: 3\n", "bogus: 1\n", "otp:\n  totp:\n    windw: 2\n",
                      "delivery:\n  smtp:\n    hots: mail.example\n", "server: 80\n"])
    func serverFile(_ yaml: String) async throws {
        let e = try await #require(throws: LifelineError.self) { try await Self.load(yaml) }
        #expect(e.message.contains("unknown configuration key") || e.message.contains("must be a mapping"), "\(e.message)")
    }

    @Test("server configuration: every key the loader reads is known, and a file naming them all loads")
    func serverKnownKeys() async throws {
        let c = try await Self.load("""
            server:
              host: 127.0.0.1
              port: 8081
            otp:
              maxFail: 50
              totp:
                window: 2
            recovery:
              requestsPerMinute: 30
            directories:
              corp:
                url: ldap://127.0.0.1:389
                bindDN: cn=admin
                bindPasswordEnv: X
                baseDNs: [ "dc=example" ]
                tenants: [ acme ]
            """)
        #expect(c.port == 8081 && c.otp.maxFail == 50 && c.recoveryRequestsPerMinute == 30 && c.directories["corp"] != nil)
        // Every key read during a load is in the list (the reader records what it is asked for).
        let read = try await LifelineConfiguration.keysRead(flags: [:], configFile: nil, environment: [:])
        let unknown = read.subtracting(LifelineConfiguration.knownKeys)
        #expect(unknown.isEmpty, "read but not listed in knownKeys: \(unknown.sorted())")
        let unread = LifelineConfiguration.knownKeys.subtracting(read)
        #expect(unread.isEmpty, "listed in knownKeys but never read: \(unread.sorted())")
        #expect(read.contains("server.port") && read.contains("otp.maxFail"))
    }
}
