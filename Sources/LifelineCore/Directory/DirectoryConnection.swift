import Foundation

/// An LDAP directory connection the operator defines in the server configuration (`directories.<name>`), and the
/// limits within which tenants may use it. A tenant's recovery configuration names it (``TenantLDAPSettings``).
///
/// Why here and not in the tenant's configuration: the URL, the CA, the bind DN and the place of the bind secret
/// decide which host gets a password and which of the server's files or variables is read. Only the operator may
/// choose them.
public struct DirectoryConnection: Sendable, Equatable {
    /// `ldap://host[:port]` or `ldaps://host[:port]`.
    public var url: String
    public var startTLS: Bool
    /// PEM file of the CA that signed the server certificate (else the system's trust store).
    public var caFile: String?
    public var bindDN: String
    /// The environment variable holding the bind password, or ...
    public var bindPasswordEnv: String?
    /// ... the file holding it.
    public var bindPasswordFile: String?
    public var flavor: LDAPSettings.Flavor
    /// Seconds for connecting and for each operation (1–120).
    public var timeout: Int
    /// The subtrees tenants may search (a tenant's `base_dn` must equal one or lie below it); the first is the default.
    public var baseDNs: [String]
    /// The tenants that may name this connection; `*` allows every tenant. Why a list: two tenants sharing a
    /// connection could otherwise reset each other's directory passwords.
    public var tenants: [String]

    public init(url: String, startTLS: Bool = false, caFile: String? = nil, bindDN: String, bindPasswordEnv: String? = nil,
                bindPasswordFile: String? = nil, flavor: LDAPSettings.Flavor = .openldap, timeout: Int = 10, baseDNs: [String], tenants: [String]) {
        self.url = url; self.startTLS = startTLS; self.caFile = caFile; self.bindDN = bindDN; self.bindPasswordEnv = bindPasswordEnv
        self.bindPasswordFile = bindPasswordFile; self.flavor = flavor; self.timeout = timeout; self.baseDNs = baseDNs; self.tenants = tenants
    }

    /// Whether `tenant` (its name) may use this connection.
    public func allows(tenant: String) -> Bool { tenants.contains("*") || tenants.contains(tenant) }

    /// The adapter's settings for a tenant's part (no checks: see ``problems(_:tenant:)``).
    public func settings(for ldap: TenantLDAPSettings) -> LDAPSettings {
        LDAPSettings(url: url, startTLS: startTLS, caFile: caFile, bindDN: bindDN, bindPasswordEnv: bindPasswordEnv,
                     bindPasswordFile: bindPasswordFile, baseDN: ldap.baseDN ?? baseDNs.first ?? "", userFilter: ldap.userFilter,
                     flavor: flavor, timeout: timeout)
    }

    /// The operator's mistakes in this connection (reported at start-up under `directories.<name>`). The adapter
    /// checks the rest (TLS files, clear text to another host) when the runtime opens.
    public func problems() -> [String] {
        var out: [String] = []
        let parsed = URL(string: url)
        let scheme = parsed?.scheme?.lowercased()
        if scheme != "ldap" && scheme != "ldaps" || (parsed?.host ?? "").isEmpty { out.append("url: must be ldap://host[:port] or ldaps://host[:port]") }
        if bindDN.isEmpty { out.append("bindDN: is required") }
        if (bindPasswordEnv == nil) == (bindPasswordFile == nil) { out.append("needs exactly one of bindPasswordEnv and bindPasswordFile") }
        if !(1...120).contains(timeout) { out.append("timeout: must be 1 to 120 seconds") }
        if baseDNs.isEmpty { out.append("baseDNs: needs at least one base DN") }
        for dn in baseDNs where DistinguishedName.rdns(dn) == nil { out.append("baseDNs: '\(dn)' is not a distinguished name") }
        if tenants.isEmpty { out.append("tenants: needs at least one tenant name (or *)") }
        return out
    }

    /// Problems of a tenant's use of this connection, under `directory.ldap`. Why the same wording for a connection
    /// that does not exist and one the tenant may not use: a tenant must not learn the other tenants' connections.
    public static func problems(_ ldap: TenantLDAPSettings, tenant: String, in connections: [String: DirectoryConnection]) -> [ConfigProblem] {
        let at = ["directory", "ldap"]
        guard let connection = connections[ldap.connection], connection.allows(tenant: tenant) else {
            return [ConfigProblem(path: at + ["connection"], reason: "is not a directory connection of this server that the tenant may use")]
        }
        if let baseDN = ldap.baseDN, !connection.baseDNs.contains(where: { DistinguishedName.isWithin(baseDN, $0) }) {
            // Why: the service account may see far more than this tenant's users; the operator's subtree is the
            // tenant's whole world.
            return [ConfigProblem(path: at + ["base_dn"], reason: "must be within the subtrees the connection allows (\(connection.baseDNs.joined(separator: " | ")))")]
        }
        return []
    }
}
