import Foundation

extension DirectorySettings {
    /// Problems of the directory settings (paths under `directory`).
    func problems() -> [ConfigProblem] {
        var out: [ConfigProblem] = []
        func bad(_ path: [String], _ reason: String) { out.append(ConfigProblem(path: ["directory"] + path, reason: reason)) }
        switch type {
        case .builtin:
            if ldap != nil { bad(["ldap"], "applies only to type ldap") }
        case .ldap:
            guard let l = ldap else { bad(["ldap"], "type ldap needs ldap settings"); return out }
            let url = URL(string: l.url)
            let scheme = url?.scheme?.lowercased()
            if scheme != "ldap" && scheme != "ldaps" || (url?.host ?? "").isEmpty { bad(["ldap", "url"], "must be ldap://host[:port] or ldaps://host[:port]") }
            if l.startTLS && scheme == "ldaps" { bad(["ldap", "start_tls"], "ldaps is already encrypted; use start_tls with ldap:// only") }
            // Why: Active Directory takes new passwords only over an encrypted connection, and a password must never
            // cross the network in clear anyway.
            if l.flavor == .activeDirectory && scheme != "ldaps" && !l.startTLS { bad(["ldap", "url"], "active-directory needs ldaps:// or start_tls") }
            if l.bindDN.isEmpty { bad(["ldap", "bind_dn"], "is required") }
            if l.baseDN.isEmpty { bad(["ldap", "base_dn"], "is required") }
            if (l.bindPasswordEnv == nil) == (l.bindPasswordFile == nil) { bad(["ldap"], "needs exactly one of bind_password_env and bind_password_file") }
            if !l.userFilter.contains("{username}") || !l.userFilter.hasPrefix("(") || !l.userFilter.hasSuffix(")") {
                bad(["ldap", "user_filter"], "must be a parenthesized LDAP filter containing {username}")
            }
            if !(1...120).contains(l.timeout) { bad(["ldap", "timeout"], "must be 1 to 120 seconds") }
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
