/// A named bundle of permissions that a principal holds (``Authorizer`` maps each role to its permissions).
///
/// API keys hold exactly one role. Operators of the console (issue 15) hold one of ``operatorRoles``, scoped to one
/// or more tenants (superuser: all); the permission table is in ``Authorizer`` and docs/security.md.
public enum Role: String, Sendable, Codable, CaseIterable {
    /// A login system: calls `POST /api/v1/validate`, nothing else.
    case validate
    /// A laptop agent (issue 17): authenticates its users online through the agent API and keeps their offline data.
    /// Nothing else. Made only with `lifeline agent register` (or the admin API's agents), never as a plain key.
    case agent
    /// Administers tenants, users, tokens, cards, codes, recovery configuration and API keys.
    case admin
    /// Supports users on the phone: sees users and tokens, clears a throttle or a fail counter, resyncs, disables or
    /// enables a token, revokes an emergency code. Creates and deletes nothing.
    case helpdesk
    /// Reads users, tokens and the audit log; changes nothing.
    case auditor
    /// The helpdesk, and also creates and edits users, contacts, tokens and cards.
    case useradmin
    /// Everything within its organizations: recovery configuration, directory, and operators of lower roles.
    case tenantAdmin = "tenant-admin"
    /// Every organization and the server-level settings.
    case superuser

    /// The roles an operator of the console may hold, lowest first.
    public static let operatorRoles: [Role] = [.auditor, .helpdesk, .useradmin, .tenantAdmin, .superuser]

    /// The rank of an operator role (higher acts on lower, never the reverse); nil for the API-key-only roles.
    /// Why a rank and not the permission sets: "never act on an operator of a higher role" is about the role's
    /// place, and each role's permissions include those of the ones below it.
    public var operatorRank: Int? { Self.operatorRoles.firstIndex(of: self) }

    /// The API a key of this role calls, as the `scope` field shows it: `validate` for the validation API, `admin`
    /// for the admin API (every role but `validate`). Kept so that clients reading `scope` see what they always saw.
    public var scope: String {
        switch self {
        case .validate: "validate"
        case .agent: "agent"
        default: "admin"
        }
    }

    /// The roles `--scope` / `scope` accepts (the two scopes of the keys before roles, which became these roles).
    public static let scopes: [Role] = [.validate, .admin]
}
