import Foundation
import LifelineCore
import Yams

/// The operator's LDAP directory connections (`directories.<name>.*`). swift-configuration's reader cannot list the
/// names under a key, so the section is read here: from the YAML file's `directories` mapping, then from
/// `LIFELINE_DIRECTORIES_<NAME>_<KEY>` environment variables, which override the file key by key.
///
/// ```yaml
/// directories:
///   corp:
///     url: ldaps://dc1.corp.example
///     startTLS: false
///     caFile: /etc/lifeline/corp-ca.pem
///     bindDN: CN=svc-lifeline,OU=Service Accounts,DC=corp,DC=example
///     bindPasswordFile: /run/secrets/ldap      # or bindPasswordEnv: LIFELINE_LDAP_PASSWORD
///     flavor: active-directory
///     timeout: 10
///     baseDNs: [ "OU=Staff,DC=corp,DC=example" ]
///     tenants: [ corp ]
/// ```
extension LifelineConfiguration {
    /// The keys of one connection, as in the YAML file.
    static let directoryKeys = ["url", "startTLS", "caFile", "bindDN", "bindPasswordEnv", "bindPasswordFile", "flavor", "timeout", "baseDNs", "tenants"]

    /// Reads the connections; `environment` holds the `LIFELINE_*` variables without their prefix.
    static func loadDirectories(file: String?, environment: [String: String]) throws -> [String: DirectoryConnection] {
        var raw: [String: [String: Any]] = [:]
        if let file, let text = try? String(contentsOfFile: file, encoding: .utf8),
           let root = try? Yams.load(yaml: text) as? [String: Any], let section = root["directories"] {
            guard let mapping = section as? [String: Any] else { throw LifelineError(.configuration, "directories must be a mapping of names to connections") }
            for (name, value) in mapping {
                guard let keys = value as? [String: Any] else { throw LifelineError(.configuration, "directories.\(name) must be a mapping") }
                // Why refuse unknown keys: a misspelt `bindPasswordFlie` or `tenant` would silently change who may
                // use the connection or where its secret comes from.
                if let unknown = keys.keys.sorted().first(where: { !directoryKeys.contains($0) }) {
                    throw LifelineError(.configuration, "directories.\(name).\(unknown) is not a known key (\(directoryKeys.joined(separator: ", ")))")
                }
                raw[name] = keys
            }
        }
        // LIFELINE_DIRECTORIES_CORP_BIND_DN → connection "corp", key bindDN. The longest matching key wins
        // (BIND_PASSWORD_ENV before a hypothetical ENV).
        let envKeys = directoryKeys.map { (envName($0), $0) }.sorted { $0.0.count > $1.0.count }
        for (variable, value) in environment where variable.hasPrefix("DIRECTORIES_") {
            let rest = variable.dropFirst("DIRECTORIES_".count)
            guard let (suffix, key) = envKeys.first(where: { rest.hasSuffix("_" + $0.0) && rest.count > $0.0.count + 1 }) else {
                throw LifelineError(.configuration, "LIFELINE_\(variable) names no key of a directory connection (\(directoryKeys.map(envName).joined(separator: ", ")))")
            }
            let name = rest.dropLast(suffix.count + 1).lowercased()
            // Lists in one variable: base DNs contain commas, so they are separated by ';'; tenant names by ','.
            let parsed: Any
            switch key {
            case "baseDNs": parsed = value.split(separator: ";").map { $0.trimmingCharacters(in: .whitespaces) }
            case "tenants": parsed = value.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
            default: parsed = value
            }
            raw[name, default: [:]][key] = parsed
        }
        var out: [String: DirectoryConnection] = [:]
        for (name, keys) in raw {
            let p = "directories.\(name)"
            guard !name.isEmpty, name.utf8.count <= 63,
                  name.utf8.allSatisfy({ ($0 >= 0x61 && $0 <= 0x7a) || ($0 >= 0x30 && $0 <= 0x39) || $0 == 0x2d || $0 == 0x5f }) else {
                throw LifelineError(.configuration, "\(p): a connection name must be 1-63 characters of a-z, 0-9, '-' and '_'")
            }
            func string(_ key: String) throws -> String? {
                switch keys[key] {
                case nil: return nil
                case let s as String: return s
                case let i as Int: return String(i)
                case let b as Bool: return b ? "true" : "false"
                default: throw LifelineError(.configuration, "\(p).\(key) must be a single value")
                }
            }
            func list(_ key: String) throws -> [String] {
                switch keys[key] {
                case nil: return []
                case let s as String: return [s]
                case let a as [Any]: return try a.map { guard let s = $0 as? String else { throw LifelineError(.configuration, "\(p).\(key) must be a list of strings") }; return s }
                default: throw LifelineError(.configuration, "\(p).\(key) must be a list of strings")
                }
            }
            guard let url = try string("url") else { throw LifelineError(.configuration, "\(p).url is required") }
            guard let bindDN = try string("bindDN") else { throw LifelineError(.configuration, "\(p).bindDN is required") }
            let startTLS = try string("startTLS") ?? "false"
            guard ["true", "false"].contains(startTLS) else { throw LifelineError(.configuration, "\(p).startTLS must be true or false") }
            let flavorText = try string("flavor") ?? LDAPSettings.Flavor.openldap.rawValue
            guard let flavor = LDAPSettings.Flavor(rawValue: flavorText) else { throw LifelineError(.configuration, "\(p).flavor must be openldap or active-directory") }
            let timeoutText = try string("timeout") ?? "10"
            guard let timeout = Int(timeoutText) else { throw LifelineError(.configuration, "\(p).timeout must be an integer from 1 to 120") }
            let connection = DirectoryConnection(
                url: url, startTLS: startTLS == "true", caFile: try string("caFile"), bindDN: bindDN,
                bindPasswordEnv: try string("bindPasswordEnv"), bindPasswordFile: try string("bindPasswordFile"),
                flavor: flavor, timeout: timeout, baseDNs: try list("baseDNs"), tenants: try list("tenants"))
            if let problem = connection.problems().first { throw LifelineError(.configuration, "\(p): \(problem)") }
            out[name] = connection
        }
        return out
    }
}
