/// A named bundle of permissions that a principal holds (``Authorizer`` maps each role to its permissions).
///
/// API keys hold exactly one role. The console of the next issue adds operator roles (`useradmin`, `tenant-admin`,
/// `superuser`) as further cases; the permission table in ``Authorizer`` and docs/security.md grows with them.
public enum Role: String, Sendable, Codable, CaseIterable {
    /// A login system: calls `POST /api/v1/validate`, nothing else.
    case validate
    /// Administers tenants, users, tokens, cards, codes, recovery configuration and API keys.
    case admin
    /// Supports users on the phone: sees users and tokens, clears a throttle or a fail counter, resyncs, disables or
    /// enables a token, revokes an emergency code. Creates and deletes nothing.
    case helpdesk
    /// Reads users, tokens and the audit log; changes nothing.
    case auditor

    /// The API a key of this role calls, as the `scope` field shows it: `validate` for the validation API, `admin`
    /// for the admin API (every role but `validate`). Kept so that clients reading `scope` see what they always saw.
    public var scope: String { self == .validate ? "validate" : "admin" }

    /// The roles `--scope` / `scope` accepts (the two scopes of the keys before roles, which became these roles).
    public static let scopes: [Role] = [.validate, .admin]
}
