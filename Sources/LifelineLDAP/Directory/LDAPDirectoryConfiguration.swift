import LifelineCore
import NIOSSL

/// `LDAPSettings`, checked once: the parsed URL, the TLS context, and the rules that must hold before a password
/// is ever sent.
struct LDAPDirectoryConfiguration: Sendable {
    var settings: LDAPSettings
    var endpoint: LDAPEndpoint
    /// Present for `ldaps://` and StartTLS.
    var tls: NIOSSLContext?
    var timeout: Duration

    init(_ settings: LDAPSettings) throws(LDAPError) {
        self.settings = settings
        endpoint = try LDAPEndpoint(url: settings.url)
        guard (1...600).contains(settings.timeout) else { throw .configuration("timeout must be 1–600 seconds") }
        timeout = .seconds(settings.timeout)
        if endpoint.implicitTLS && settings.startTLS {
            throw .configuration("start_tls is for ldap:// URLs; an ldaps:// connection is already encrypted")
        }
        let encrypted = endpoint.implicitTLS || settings.startTLS
        // Why: Active Directory accepts a unicodePwd change only over an encrypted connection, and a password must
        // never cross the wire in clear; without TLS every reset would fail, so the configuration is refused outright.
        if settings.flavor == .activeDirectory && !encrypted {
            throw .configuration("Active Directory needs an encrypted connection: use ldaps:// or start_tls")
        }
        // Why: the service account's password and users' new passwords travel on this connection. In clear text
        // they are allowed only to a loopback address (a local proxy or test server), where they never leave the
        // machine.
        if !encrypted && !endpoint.isLoopback {
            throw .configuration("ldap:// without start_tls would send passwords in clear text; use ldaps:// or start_tls")
        }
        guard !settings.bindDN.isEmpty, !settings.baseDN.isEmpty else { throw .configuration("bind_dn and base_dn are required") }
        // Why: a filter without the placeholder finds the same entry for every username.
        guard settings.userFilter.contains("{username}") else { throw .configuration("user_filter must contain {username}") }
        do { _ = try LDAPFilter.userFilter(template: settings.userFilter, username: "x") } catch {
            throw .configuration("user_filter is not an RFC 4515 filter: \(error)")
        }
        tls = encrypted ? try LDAPTLS.makeContext(caFile: settings.caFile) : nil
    }

    /// The TLS handler settings for this server, when the connection uses TLS.
    var tlsUpgrade: StartTLSUpgrade? {
        tls.map { StartTLSUpgrade(context: $0, serverHostname: endpoint.tlsServerName) }
    }
}
