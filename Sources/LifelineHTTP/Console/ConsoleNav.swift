import LifelineCore

/// The console's navigation: one entry per area, shown only to operators whose role holds its permission (nil: every
/// operator). Add a line here when a page should appear in the menu; its label is `console.<label>` in a catalog.
enum ConsoleNav {
    struct Entry: Sendable {
        let path: String
        /// The catalog id of the label, without the `console.` prefix.
        let label: String
        let permission: Permission?
    }

    static let entries: [Entry] = [
        Entry(path: "/console", label: "shell_nav_dashboard", permission: nil),
        Entry(path: "/console/users", label: "shell_nav_users", permission: .usersRead),
        Entry(path: "/console/users/new", label: "useradmin_nav_new", permission: .usersWrite),
        Entry(path: "/console/audit", label: "shell_nav_audit", permission: .auditRead),
        Entry(path: "/console/settings", label: "pages_nav_settings", permission: .configRead),
        Entry(path: "/console/directory", label: "directory_nav", permission: .configRead),
        Entry(path: "/console/agents", label: "offline_nav_agents", permission: .agentsRead),
        Entry(path: "/console/approvals", label: "helpdesk_nav_approvals", permission: .callersVerify),
        Entry(path: "/console/operators", label: "shell_nav_operators", permission: .operatorsRead),
        Entry(path: "/console/sessions", label: "shell_nav_sessions", permission: nil),
    ]

    /// The entries `principal` may use, as the layout's `nav` list; the one `path` falls under is marked current.
    static func items(for principal: Principal, path: String, texts: [String: String]) -> [[String: Any]] {
        let authorizer = Authorizer()
        let bare = String(path.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false)[0])
        // The longest entry that is the path or a folder above it (so /console/users/x marks "Users", not "Dashboard").
        let current = entries.map(\.path).filter { bare == $0 || bare.hasPrefix($0 + "/") }.max { $0.count < $1.count }
        return entries.filter { $0.permission.map { authorizer.allows(principal, $0) } ?? true }.map { e in
            ["href": e.path, "label": texts[e.label] ?? e.label, "current": e.path == current]
        }
    }
}
