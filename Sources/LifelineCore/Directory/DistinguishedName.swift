import Foundation

/// LDAP distinguished names (RFC 4514 strings), read only as far as a subtree check needs.
public enum DistinguishedName {
    /// Longest DN accepted, in UTF-8 bytes.
    public static let maxLength = 1024

    /// The RDNs of `dn`, most specific first, each with its attribute type and value lowercased (the directories'
    /// naming attributes — dc, ou, o, c, cn — compare case-insensitively). Escapes (`\,`, `\2c`) are kept as they are,
    /// so an escaped comma never splits an RDN. Nil for an empty or too long DN, an RDN without `type=value`, a
    /// dangling escape, or the old separators `;` and quotes (refused rather than interpreted).
    public static func rdns(_ dn: String) -> [String]? {
        guard !dn.isEmpty, dn.utf8.count <= maxLength else { return nil }
        var parts: [String] = [], current = "", escaped = false
        for ch in dn {
            if escaped { current.append(ch); escaped = false; continue }
            switch ch {
            case "\\": current.append(ch); escaped = true
            case ",": parts.append(current); current = ""
            case "\"", ";": return nil
            default:
                if ch.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) { return nil }
                current.append(ch)
            }
        }
        guard !escaped else { return nil }
        parts.append(current)
        var out: [String] = []
        for part in parts {
            let trimmed = part.drop(while: { $0 == " " })
            guard let eq = trimmed.firstIndex(of: "=") else { return nil }
            let type = trimmed[..<eq].trimmingCharacters(in: .whitespaces).lowercased()
            let value = trimmed[trimmed.index(after: eq)...].drop(while: { $0 == " " }).lowercased()
            guard !type.isEmpty, !value.isEmpty else { return nil }
            out.append(type + "=" + value)
        }
        return out
    }

    /// Whether `dn` is `suffix` or lies below it (its last RDNs are `suffix`'s).
    public static func isWithin(_ dn: String, _ suffix: String) -> Bool {
        guard let d = rdns(dn), let s = rdns(suffix), d.count >= s.count else { return false }
        return Array(d.suffix(s.count)) == s
    }
}
