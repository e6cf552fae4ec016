import Foundation

/// A tenant's recovery configuration as text an operator edits: the tenant file of `lifeline tenant apply -f`
/// (YAML: `tenant:`, `display_name:`, `recovery:`). The composition root provides it (the YAML library is an
/// adapter's concern, not the core's).
public protocol RecoveryConfigText: Sendable {
    /// `config` of `tenant` as a tenant file.
    func text(of config: RecoveryConfig, tenant: Tenant) throws -> String
    /// Parses and validates a tenant file for `tenant`. Throws ``LifelineError/Code/invalidRequest`` naming the line
    /// of each problem; also when the file names another tenant.
    func parse(_ text: String, tenant: Tenant) throws -> RecoveryConfig
}

/// A line diff (longest common subsequence): what changes when a configuration is applied.
public enum LineDiff {
    /// One line of the diff.
    public struct Line: Sendable, Equatable {
        public enum Kind: String, Sendable, Codable { case same, added, removed }
        public var kind: Kind
        public var text: String
        public init(_ kind: Kind, _ text: String) { self.kind = kind; self.text = text }
    }

    /// The most lines a side may have. Why: the table is `old × new` integers; 2,000 × 2,000 is 4 million (32 MB at
    /// most, briefly), and a recovery configuration has a few hundred lines.
    public static let maxLines = 2000

    /// The lines of `old` and `new` in order, each marked same, removed or added.
    public static func diff(_ old: String, _ new: String) throws(LifelineError) -> [Line] {
        let a = lines(old), b = lines(new)
        guard a.count <= maxLines, b.count <= maxLines else { throw LifelineError(.invalidRequest, "the configuration has more than \(maxLines) lines") }
        let n = a.count, m = b.count
        // lcs[i][j]: the longest common subsequence of a[i...] and b[j...], in one flat array.
        var lcs = [Int32](repeating: 0, count: (n + 1) * (m + 1))
        if n > 0 && m > 0 {
            for i in stride(from: n - 1, through: 0, by: -1) {
                for j in stride(from: m - 1, through: 0, by: -1) {
                    lcs[i * (m + 1) + j] = a[i] == b[j] ? lcs[(i + 1) * (m + 1) + j + 1] + 1 : max(lcs[(i + 1) * (m + 1) + j], lcs[i * (m + 1) + j + 1])
                }
            }
        }
        var out: [Line] = []
        var i = 0, j = 0
        while i < n || j < m {
            if i < n, j < m, a[i] == b[j] { out.append(Line(.same, a[i])); i += 1; j += 1 }
            // Removals before additions where both keep the common part as long (the usual reading of a change).
            else if i < n, j == m || lcs[(i + 1) * (m + 1) + j] >= lcs[i * (m + 1) + j + 1] { out.append(Line(.removed, a[i])); i += 1 }
            else { out.append(Line(.added, b[j])); j += 1 }
        }
        return out
    }

    static func lines(_ text: String) -> [String] {
        var parts = text.replacingOccurrences(of: "\r\n", with: "\n").split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        if parts.last == "" { parts.removeLast() }
        return parts
    }
}
