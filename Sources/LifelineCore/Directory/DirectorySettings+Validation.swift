import Foundation

extension DirectorySettings {
    /// Longest `user_filter`, in UTF-8 bytes.
    public static let maxUserFilterLength = 1024

    /// Problems of the directory settings (paths under `directory`).
    func problems() -> [ConfigProblem] {
        var out: [ConfigProblem] = []
        func bad(_ path: [String], _ reason: String) { out.append(ConfigProblem(path: ["directory"] + path, reason: reason)) }
        switch type {
        case .builtin:
            if ldap != nil { bad(["ldap"], "applies only to type ldap") }
            if users != nil { bad(["users"], "applies only to type ldap (users come from an LDAP directory)") }
        case .ldap:
            guard let l = ldap else { bad(["ldap"], "type ldap needs ldap settings (connection, base_dn, user_filter)"); return out }
            // The connection itself, and whether the tenant may use it, are checked against the server's
            // configuration at apply time (``DirectoryResolver/problems(_:tenant:)``); here only the form.
            let name = l.connection
            if name.isEmpty || name.utf8.count > 63 || !name.utf8.allSatisfy({ ($0 >= 0x61 && $0 <= 0x7a) || ($0 >= 0x30 && $0 <= 0x39) || $0 == 0x2d || $0 == 0x5f }) {
                bad(["ldap", "connection"], "must be 1-63 characters of a-z, 0-9, '-' and '_'")
            }
            if let dn = l.baseDN, DistinguishedName.rdns(dn) == nil {
                bad(["ldap", "base_dn"], "must be a distinguished name like ou=people,dc=example,dc=org (at most \(DistinguishedName.maxLength) bytes)")
            }
            if let f = l.userFilter {
                // Why a bound: the filter is sent with every lookup; the adapter parses it fully (RFC 4515) at apply time.
                if f.utf8.count > Self.maxUserFilterLength { bad(["ldap", "user_filter"], "at most \(Self.maxUserFilterLength) bytes") }
                else if !f.contains("{username}") || !f.hasPrefix("(") || !f.hasSuffix(")") {
                    bad(["ldap", "user_filter"], "must be a parenthesized LDAP filter containing {username}")
                }
            }
            out += users?.problems() ?? []
        }
        return out
    }
}

extension PasswordPolicy {
    /// Problems of the password rules (paths under `password_policy`).
    func problems() -> [ConfigProblem] {
        var out: [ConfigProblem] = []
        func bad(_ key: String, _ reason: String) { out.append(ConfigProblem(path: ["password_policy", key], reason: reason)) }
        // Why at least 8: NIST SP 800-63B §5.1.1.2's floor for user-chosen passwords.
        if !(8...64).contains(minLength) { bad("min_length", "must be 8 to 64") }
        if !(64...256).contains(maxLength) { bad("max_length", "must be 64 to 256") }
        if !(0...4).contains(minClasses) { bad("min_classes", "must be 0 to 4") }
        if forbidden.count > 1000 { bad("forbidden", "at most 1000 entries") }
        return out
    }
}
