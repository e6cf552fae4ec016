/// Where an LDAP server listens, from an `ldap://host[:port]` or `ldaps://host[:port]` URL (RFC 4516, without the
/// DN, attributes, scope and filter parts, which live in their own settings).
struct LDAPEndpoint: Sendable, Equatable {
    var host: String
    var port: Int
    /// `ldaps://`: TLS from the first byte.
    var implicitTLS: Bool

    init(host: String, port: Int, implicitTLS: Bool) { self.host = host; self.port = port; self.implicitTLS = implicitTLS }

    init(url: String) throws(LDAPError) {
        let lower = url.lowercased()
        let rest: Substring
        if lower.hasPrefix("ldaps://") { implicitTLS = true; rest = url.dropFirst(8) }
        else if lower.hasPrefix("ldap://") { implicitTLS = false; rest = url.dropFirst(7) }
        else { throw .configuration("LDAP url must start with ldap:// or ldaps://") }
        var authority = rest
        if let slash = rest.firstIndex(of: "/") {
            guard rest[slash...] == "/" else { throw .configuration("LDAP url must not have a path (set base_dn and user_filter instead)") }
            authority = rest[..<slash]
        }
        guard !authority.contains("@"), !authority.contains("?") else { throw .configuration("LDAP url must be ldap[s]://host[:port]") }
        var hostPart = authority
        var portPart: Substring?
        if authority.hasPrefix("[") {
            guard let close = authority.firstIndex(of: "]") else { throw .configuration("LDAP url has an unclosed [") }
            hostPart = authority[authority.index(after: authority.startIndex)..<close]
            let after = authority[authority.index(after: close)...]
            if !after.isEmpty {
                guard after.hasPrefix(":") else { throw .configuration("LDAP url: unexpected text after ]") }
                portPart = after.dropFirst()
            }
        } else if let colon = authority.lastIndex(of: ":") {
            hostPart = authority[..<colon]
            portPart = authority[authority.index(after: colon)...]
        }
        guard !hostPart.isEmpty else { throw .configuration("LDAP url has no host") }
        host = String(hostPart)
        if let portPart {
            guard let p = Int(portPart), (1...65535).contains(p) else { throw .configuration("LDAP url has a bad port") }
            port = p
        } else {
            port = implicitTLS ? 636 : 389
        }
    }

    /// The name checked against the server certificate: the host name, or nil for an IP address literal (NIOSSL
    /// then checks the certificate's IP address entries against the connected address; SNI cannot carry an IP).
    var tlsServerName: String? { isIPAddress ? nil : host }

    var isIPAddress: Bool {
        if host.contains(":") { return true }
        let parts = host.split(separator: ".", omittingEmptySubsequences: false)
        return parts.count == 4 && parts.allSatisfy { UInt8($0) != nil }
    }

    /// 127.0.0.0/8, ::1 or localhost: traffic that never leaves the machine.
    var isLoopback: Bool {
        let h = host.lowercased()
        return h == "localhost" || h == "::1" || (isIPAddress && h.hasPrefix("127."))
    }
}
