import Foundation

/// Which directory a tenant's accounts live in, from its recovery configuration (`directory:`).
public struct DirectorySettings: Sendable, Codable, Equatable {
    public enum Kind: String, Sendable, Codable { case builtin, ldap }
    /// `builtin` (passwords kept by Lifeline; the default) or `ldap`.
    public var type: Kind
    /// The LDAP settings (type `ldap` only).
    public var ldap: LDAPSettings?

    public init(type: Kind = .builtin, ldap: LDAPSettings? = nil) { self.type = type; self.ldap = ldap }
}

/// How to reach an LDAP directory (OpenLDAP or Active Directory) and find a user in it.
public struct LDAPSettings: Sendable, Codable, Equatable {
    public enum Flavor: String, Sendable, Codable {
        /// OpenLDAP with the ppolicy overlay: Password Modify extended operation, `pwdAccountLockedTime`.
        case openldap
        /// Active Directory: `unicodePwd` replace over an encrypted connection, `lockoutTime = 0`.
        case activeDirectory = "active-directory"
    }

    /// `ldap://host[:port]` or `ldaps://host[:port]`.
    public var url: String
    /// Upgrade an `ldap://` connection with StartTLS before binding.
    public var startTLS: Bool
    /// PEM file of the CA that signed the server certificate (else the system's trust store).
    public var caFile: String?
    /// The service account that searches and changes accounts.
    public var bindDN: String
    /// Name of the environment variable holding the service account's password. Why not the password itself:
    /// the recovery configuration is readable through the admin API and sits in YAML files in repositories.
    public var bindPasswordEnv: String?
    /// Or a file holding it (a container secret); trailing new lines are ignored.
    public var bindPasswordFile: String?
    /// Where users are searched (subtree).
    public var baseDN: String
    /// The search filter; `{username}` is replaced by the RFC 4515-escaped username.
    public var userFilter: String
    public var flavor: Flavor
    /// Seconds for connecting and for each operation.
    public var timeout: Int

    public init(url: String, startTLS: Bool = false, caFile: String? = nil, bindDN: String, bindPasswordEnv: String? = nil,
                bindPasswordFile: String? = nil, baseDN: String, userFilter: String? = nil, flavor: Flavor = .openldap, timeout: Int = 10) {
        self.url = url; self.startTLS = startTLS; self.caFile = caFile; self.bindDN = bindDN; self.bindPasswordEnv = bindPasswordEnv
        self.bindPasswordFile = bindPasswordFile; self.baseDN = baseDN
        self.userFilter = userFilter ?? (flavor == .activeDirectory ? "(&(objectClass=user)(sAMAccountName={username}))" : "(&(objectClass=inetOrgPerson)(uid={username}))")
        self.flavor = flavor; self.timeout = timeout
    }

    enum CodingKeys: String, CodingKey {
        case url, flavor, timeout
        case startTLS = "start_tls", caFile = "ca_file", bindDN = "bind_dn", bindPasswordEnv = "bind_password_env"
        case bindPasswordFile = "bind_password_file", baseDN = "base_dn", userFilter = "user_filter"
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.init(url: try c.decode(String.self, forKey: .url), startTLS: try c.decodeIfPresent(Bool.self, forKey: .startTLS) ?? false,
                  caFile: try c.decodeIfPresent(String.self, forKey: .caFile), bindDN: try c.decode(String.self, forKey: .bindDN),
                  bindPasswordEnv: try c.decodeIfPresent(String.self, forKey: .bindPasswordEnv),
                  bindPasswordFile: try c.decodeIfPresent(String.self, forKey: .bindPasswordFile),
                  baseDN: try c.decode(String.self, forKey: .baseDN), userFilter: try c.decodeIfPresent(String.self, forKey: .userFilter),
                  flavor: try c.decodeIfPresent(Flavor.self, forKey: .flavor) ?? .openldap,
                  timeout: try c.decodeIfPresent(Int.self, forKey: .timeout) ?? 10)
    }

    /// The service account's password, read from the named environment variable or file at use.
    public func bindPassword(environment: [String: String] = ProcessInfo.processInfo.environment) throws -> String {
        if let name = bindPasswordEnv {
            guard let v = environment[name], !v.isEmpty else { throw DirectoryUnavailable("environment variable \(name) (LDAP bind password) is not set") }
            return v
        }
        if let path = bindPasswordFile {
            guard let data = FileManager.default.contents(atPath: path), let s = String(data: data, encoding: .utf8) else {
                throw DirectoryUnavailable("cannot read the LDAP bind password file \(path)")
            }
            return String(s.reversed().drop(while: { $0 == "\n" || $0 == "\r" }).reversed())
        }
        throw DirectoryUnavailable("no LDAP bind password configured (bind_password_env or bind_password_file)")
    }
}
