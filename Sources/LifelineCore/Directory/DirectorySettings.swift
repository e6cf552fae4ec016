import Foundation

/// Which directory a tenant's accounts live in, from its recovery configuration (`directory:`).
public struct DirectorySettings: Sendable, Codable, Equatable {
    public enum Kind: String, Sendable, Codable { case builtin, ldap }
    /// `builtin` (passwords kept by Lifeline; the default) or `ldap`.
    public var type: Kind
    /// The tenant's part of the LDAP settings (type `ldap` only): which operator-defined connection, and where in it.
    public var ldap: TenantLDAPSettings?
    /// Users and contacts from the directory (type `ldap` only): attribute mapping, lookup at flow start, sync.
    public var users: DirectoryUserSettings?

    public init(type: Kind = .builtin, ldap: TenantLDAPSettings? = nil, users: DirectoryUserSettings? = nil) {
        self.type = type; self.ldap = ldap; self.users = users
    }

    enum CodingKeys: String, CodingKey, CaseIterable { case type, ldap, users }

    public init(from decoder: any Decoder) throws {
        try ConfigKeyCheck.refuseUnknown(decoder, CodingKeys.self)
        let c = try decoder.container(keyedBy: CodingKeys.self)
        type = try c.decode(Kind.self, forKey: .type)
        ldap = try c.decodeIfPresent(TenantLDAPSettings.self, forKey: .ldap)
        users = try c.decodeIfPresent(DirectoryUserSettings.self, forKey: .users)
    }
}

/// The tenant's part of an LDAP directory (`directory.ldap` of its recovery configuration): the name of a
/// connection the operator defined in the server configuration (`directories.<name>`), and the tenant's subtree
/// and filter within it.
///
/// Why so little: the recovery configuration is written with a tenant's admin key. A URL, a CA file, a bind DN or
/// the place of the bind secret would let that key make the server read its own files and environment and send
/// them to a host of the tenant's choice. Those are the operator's (``DirectoryConnection``); a tenant that sends
/// one of them is refused with a ``ConfigProblem`` naming the key.
public struct TenantLDAPSettings: Sendable, Codable, Equatable {
    /// The name of the server's directory connection (`directories.<name>`).
    public var connection: String
    /// Where users are searched (subtree); nil: the connection's first allowed base DN. Must lie within one of the
    /// connection's `baseDNs`.
    public var baseDN: String?
    /// The search filter; `{username}` is replaced by the RFC 4515-escaped username. Nil: the flavor's default.
    public var userFilter: String?

    public init(connection: String, baseDN: String? = nil, userFilter: String? = nil) {
        self.connection = connection; self.baseDN = baseDN; self.userFilter = userFilter
    }

    enum CodingKeys: String, CodingKey, CaseIterable {
        case connection
        case baseDN = "base_dn", userFilter = "user_filter"
    }

    /// The keys that belong to the server's connection, refused here by name.
    public static let serverKeys = ["url", "start_tls", "ca_file", "bind_dn", "bind_password_env", "bind_password_file", "flavor", "timeout"]

    private struct AnyKey: CodingKey {
        var stringValue: String
        var intValue: Int? { nil }
        init(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }

    public init(from decoder: any Decoder) throws {
        // Why before anything else: a server setting must be refused whatever else the object holds, with the same
        // answer whatever its value (so it cannot probe for files or variables).
        let all = try decoder.container(keyedBy: AnyKey.self)
        for key in Self.serverKeys where all.contains(AnyKey(stringValue: key)) {
            throw ConfigProblem(path: decoder.codingPath.map { $0.intValue.map(String.init) ?? $0.stringValue } + [key],
                                reason: "is a server setting: the operator defines directory connections (directories.<name>); name one with connection")
        }
        try ConfigKeyCheck.refuseUnknown(decoder, CodingKeys.self)
        let c = try decoder.container(keyedBy: CodingKeys.self)
        connection = try c.decode(String.self, forKey: .connection)
        baseDN = try c.decodeIfPresent(String.self, forKey: .baseDN)
        userFilter = try c.decodeIfPresent(String.self, forKey: .userFilter)
    }
}

/// Everything the LDAP adapter needs to reach a directory and find a user in it: the operator's connection
/// (``DirectoryConnection``) joined with the tenant's subtree and filter (``TenantLDAPSettings``). Never decoded
/// from a tenant's configuration.
public struct LDAPSettings: Sendable, Equatable {
    public enum Flavor: String, Sendable, Codable, CaseIterable {
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
    /// Name of the environment variable holding the service account's password.
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
        self.userFilter = userFilter ?? Self.defaultUserFilter(flavor)
        self.flavor = flavor; self.timeout = timeout
    }

    /// The filter used when the tenant names none.
    public static func defaultUserFilter(_ flavor: Flavor) -> String {
        flavor == .activeDirectory ? "(&(objectClass=user)(sAMAccountName={username}))" : "(&(objectClass=inetOrgPerson)(uid={username}))"
    }

    /// Where the service account's password is kept (the environment variable, else the file); nil when neither is set.
    public var bindPasswordLocation: SecretLocation? {
        if let name = bindPasswordEnv { return .environment(name) }
        return bindPasswordFile.map { .file($0) }
    }

    /// The service account's password, read through `reader` at use (so a rotated file is picked up); trailing new
    /// lines of a file are ignored.
    ///
    /// Why one message for every failure, without the name or path: it reaches the audit log, which a tenant's
    /// admin key can read, and must neither show server paths nor tell whether a file or variable exists.
    public func bindPassword(from reader: any SecretReader) throws -> String {
        let unavailable = DirectoryUnavailable("the LDAP service account's password is not available (see the directory connection's bindPasswordEnv / bindPasswordFile)")
        guard let location = bindPasswordLocation, let text = reader.read(location) else { throw unavailable }
        let password: String
        switch location {
        case .environment: password = text
        case .file: password = String(text.reversed().drop(while: { $0 == "\n" || $0 == "\r" }).reversed())
        }
        guard !password.isEmpty else { throw unavailable }
        return password
    }
}
