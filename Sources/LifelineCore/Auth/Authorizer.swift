import Foundation

/// The one place that decides what a principal may do: which permissions each role holds, and which tenants a
/// principal may act on. The services call it at the top of each use case; the HTTP layer only authenticates.
/// A refusal is `LifelineError(.forbidden)`, which the API answers as 403 `{"error":"forbidden",...}`.
public struct Authorizer: Sendable {
    public init() {}

    /// The permissions of `role`. The table is docs/security.md's "Roles and permissions".
    public func permissions(of role: Role) -> Set<Permission> {
        switch role {
        // Why a role of its own: a login system's key is stored in many places; it must not be able to read users,
        // enroll tokens or read the audit log, only ask "is this code right".
        case .validate: Self.validate
        // Why everything but validate: the administrator sets the system up; keeping validate apart means an admin
        // key is never configured into a login system, where it would be exposed widely.
        case .admin: Self.admin
        // Why a role of its own: an agent's key sits on a laptop that can be stolen; it may only authenticate users
        // (each with their own passcode) and fetch their offline data, nothing else.
        case .agent: Self.agent
        case .helpdesk: Self.helpdesk
        case .auditor: Self.auditor
        case .useradmin: Self.useradmin
        case .tenantAdmin: Self.tenantAdmin
        // Why everything: the superuser runs the server; it is global (``globalOnly`` refuses a scoped one).
        case .superuser: Self.superuser
        }
    }

    /// Whether `principal` holds `permission` through any of its roles.
    public func allows(_ principal: Principal, _ permission: Permission) -> Bool {
        principal.roles.contains { permissions(of: $0).contains(permission) }
    }

    /// Throws 403 unless `principal` holds `permission`, and, for a permission over the whole server, is global.
    public func require(_ permission: Permission, _ principal: Principal) throws(LifelineError) {
        guard allows(principal, permission) else {
            throw LifelineError(.forbidden, "this \(Self.noun(principal)) lacks the '\(permission.rawValue)' permission")
        }
        // Why: creating a tenant widens the server; a principal limited to one tenant must not make others.
        if Self.globalOnly.contains(permission), !principal.isGlobal {
            throw LifelineError(.forbidden, "only a global \(Self.noun(principal)) may \(permission.rawValue)")
        }
    }

    /// Throws 403 unless `principal` may act on `tenant`; `tenant` nil means the named tenant does not exist.
    /// Why 403 for every other tenant, existing or not: a tenant-scoped key must not learn which other tenants
    /// exist (a global principal gets its "not found" from the caller instead).
    public func requireScope(_ principal: Principal, tenant: Tenant?) throws(LifelineError) {
        guard !principal.isGlobal else { return }
        guard let tenant, principal.mayAccess(tenant.id) else {
            throw LifelineError(.forbidden, "this \(Self.noun(principal)) is limited to another tenant")
        }
    }

    /// Throws 403 when `principal` would hand out `role` with a permission it does not hold itself. Why: a key
    /// that may create keys must never raise its own privileges through a key it makes (issue 15: "never raise
    /// their own privileges").
    public func requireGrant(_ role: Role, by principal: Principal) throws(LifelineError) {
        // Why never as a plain key: an agent key without its agent record could not be listed or revoked as an agent,
        // and its machines' offline data could not be ended; `OfflineService.registerAgent` makes both together.
        if role == .agent {
            throw LifelineError(.forbidden, "a key with the role 'agent' is made only by registering an agent (lifeline agent register)")
        }
        var own = principal.roles.reduce(into: Set<Permission>()) { $0.formUnion(permissions(of: $1)) }
        // Why validate counts as held by who may check tokens: a validate key only learns whether a code is right,
        // which `tokens.check` answers in more detail. So an administrator may make the login systems' keys.
        if own.contains(.tokensCheck) { own.insert(.validate) }
        guard permissions(of: role).isSubset(of: own) else {
            throw LifelineError(.forbidden, "this \(Self.noun(principal)) may not create a key with the role '\(role.rawValue)'")
        }
    }

    // MARK: the table

    static let validate: Set<Permission> = [.validate]

    static let agent: Set<Permission> = [.agentAuthenticate]

    /// Why without the agent API: an administrator's key is not a laptop; keeping it apart means offline data is only
    /// ever issued to a registered agent, which can be listed and revoked.
    static let admin = Set(Permission.allCases).subtracting(validate).subtracting(agent)

    /// Why these: the helpdesk answers a user on the phone. It must see the user and the tokens to help, undo
    /// the states that lock a user out (throttle, fail counter, drift, a disabled token, a guessing budget) and
    /// stop a leaked emergency code. It creates nothing, deletes nothing and reads neither the configuration nor
    /// the audit log. The one credential it issues is the helpdesk emergency code of issue 15 (like a Temporary
    /// Access Pass), bounded by the tenant's template, audited with a ticket reason, notified to the user, and — where
    /// the organization says so — only after caller verification or a second operator's approval.
    static let helpdesk: Set<Permission> = [
        .tenantsRead, .usersRead, .tokensRead, .tokensManage, .cardsRead,
        .emergencyCodesRead, .emergencyCodesRevoke, .recoveryCodesRead, .recoveryBudgetsRead, .recoveryBudgetsLift,
        .callersVerify, .helpdeskCodesIssue, .authenticatorsRead, .authenticatorsManage,
        // Issue 17: the helpdesk reads out a token's offline emergency access tokencode, resets it, lets it be used
        // online, and marks a lost token (seed 003, privacyIDEA's "lost token"): each audited and notified.
        .agentsRead, .offlineCodesRead, .offlineCodesManage, .tokensLost,
    ]

    /// Why these: the helpdesk's, plus creating and editing users, contacts, tokens, cards and saved recovery
    /// codes. Still no configuration, operators, directory or audit log: those belong to the tenant's administrator.
    static let useradmin: Set<Permission> = helpdesk.union([
        .usersWrite, .tokensWrite, .tokensCheck, .cardsWrite, .recoveryCodesManage,
    ])

    /// Why these: everything within its organizations — configuration, directory, API keys, operators of lower
    /// roles, the audit log — but nothing that widens the server (creating tenants, server settings).
    static let tenantAdmin: Set<Permission> = useradmin.union(auditor).union([
        .configRead, .configWrite, .apiKeysManage, .operatorsRead, .operatorsManage, .directorySync, .agentsManage,
    ])

    static let superuser = Set(Permission.allCases).subtracting(validate).subtracting(agent)

    /// Why these: an auditor checks what happened and what state users are in, and changes nothing. Read access to
    /// the tenants' names (to find the users), users, their tokens and credentials' state (never a secret), and the
    /// audit log; not the recovery configuration nor the API keys (a list of keys helps an attacker).
    static let auditor: Set<Permission> = [
        .tenantsRead, .usersRead, .tokensRead, .cardsRead,
        .emergencyCodesRead, .recoveryCodesRead, .recoveryBudgetsRead, .auditRead, .authenticatorsRead, .agentsRead,
    ]

    /// The permissions only a global principal may use.
    static let globalOnly: Set<Permission> = [.tenantsManage, .serverManage]

    private static func noun(_ principal: Principal) -> String {
        switch principal.identity {
        case .apiKey: "API key"
        case .operator: "operator"
        default: "caller"
        }
    }
}
