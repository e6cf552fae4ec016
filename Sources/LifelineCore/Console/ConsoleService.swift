import Foundation

/// The console's read use cases (issue 15 "Pages"): user search, user details, the dashboard, the audit log and
/// the organization settings. The admin API offers the same operations; both call this service, which asks the
/// ``Authorizer`` first, like ``AdminService``, and reads the rest through ``AdminService``'s use cases.
public struct ConsoleService: Sendable {
    /// What the console reads: the admin use cases' stores and the console's own queries.
    public typealias Storage = AdminService.Storage & ConsoleQueryStore

    let storage: any Storage
    let admin: AdminService
    let clock: any LifelineClock
    let authorizer = Authorizer()
    /// Writes and reads a tenant's recovery configuration as YAML (nil: the settings' YAML operations answer 404).
    let configText: (any RecoveryConfigText)?
    /// Four-eyes approvals waiting (issue 15, helper H3): nil until that feature exists.
    let pendingApprovals: (@Sendable (Set<UUID>?) async throws -> Int)?

    public init(storage: any Storage, admin: AdminService, clock: any LifelineClock, configText: (any RecoveryConfigText)? = nil,
                pendingApprovals: (@Sendable (Set<UUID>?) async throws -> Int)? = nil) {
        self.storage = storage; self.admin = admin; self.clock = clock; self.configText = configText; self.pendingApprovals = pendingApprovals
    }

    /// The names of the tenants `caller` may read (nil: all, for a global principal).
    func tenantNames(of caller: Caller) async throws -> Set<String>? {
        guard let ids = caller.tenants else { return nil }
        return Set(try await storage.tenants().filter { ids.contains($0.id) }.map(\.name))
    }

    // MARK: search

    /// Users of the caller's tenants matching `text` (``UserSearch/Query``); 400 for a query that is too short,
    /// too long or has control characters. Needs `users.read`.
    public func searchUsers(_ text: String, caller: Caller) async throws -> [UserSearch.Hit] {
        try authorizer.require(.usersRead, caller)
        // Why the principal's own set: an operator of tenant A must never find B's users, and a scoped principal
        // with no tenant (an empty set) finds nobody rather than everybody.
        let query = try UserSearch.Query(text, tenantIDs: caller.tenants)
        return try await storage.searchUsers(query)
    }

    // MARK: details

    /// Everything the console shows about one user, read with the caller's permissions: a part the caller may not
    /// read (a helpdesk has no `audit.read`) is nil rather than a refusal of the whole page.
    public func userDetails(tenantName: String, username: String, caller: Caller, eventLimit: Int = 20) async throws -> UserDetails {
        let (tenant, user) = try await admin.user(tenantName: tenantName, username: username, caller: caller)
        let now = clock.now()
        var details = UserDetails(tenant: tenant, user: user, contacts: try await storage.contacts(userID: user.id))
        if authorizer.allows(caller, .tokensRead) {
            details.tokens = try await storage.tokens(tenantID: tenant.id, userID: user.id).map { TokenStatus($0, now: now) }
        }
        if authorizer.allows(caller, .cardsRead) {
            details.cards = try await storage.cards(tenantID: tenant.id, userID: user.id)
        }
        if authorizer.allows(caller, .emergencyCodesRead) {
            do { details.emergencyCode = try await admin.emergencyCode(tenantName: tenant.name, username: user.username, caller: caller).1.resolved(at: now) }
            catch let e as LifelineError where e.code == .notFound { details.emergencyCode = nil }
        }
        if authorizer.allows(caller, .recoveryCodesRead) {
            details.recoveryCodes = try await admin.recoveryCodeSet(tenantName: tenant.name, username: user.username, caller: caller).1
        }
        if authorizer.allows(caller, .auditRead) {
            var filter = AuditFilter(tenants: [tenant.name])
            filter.subject = user.username
            filter.limit = min(max(eventLimit, 1), 100)
            details.events = try await storage.auditEvents(filter)
        }
        return details
    }
}

/// One user as the console's details page shows it (``ConsoleService/userDetails(tenantName:username:caller:eventLimit:)``).
/// An optional part is nil when the caller may not read it.
public struct UserDetails: Sendable {
    public var tenant: Tenant
    public var user: User
    /// With their verified flags.
    public var contacts: [Contact]
    public var tokens: [TokenStatus]?
    public var cards: [SmartCard]?
    /// As of now (an expired code shows as expired); nil also when the user never had one.
    public var emergencyCode: EmergencyCodeState?
    /// The saved recovery codes' set (its `remaining`); nil also when the user never had one.
    public var recoveryCodes: RecoveryCodeSet?
    /// The user's recent audit events (by subject), newest first.
    public var events: [AuditEvent]?

    public init(tenant: Tenant, user: User, contacts: [Contact]) { self.tenant = tenant; self.user = user; self.contacts = contacts }
}

/// A token with the state the console shows: `throttled` is an active token refusing codes for now.
public struct TokenStatus: Sendable, Equatable {
    public enum Display: String, Sendable, Codable { case active, disabled, locked, throttled }
    public var token: Token
    public var display: Display
    /// When the last accepted code's step began (TOTP); nil for HOTP (its counter says how far it got) or never used.
    public var lastUse: Date?

    public init(_ token: Token, now: Date) {
        self.token = token
        switch token.state {
        case .disabled: display = .disabled
        case .locked: display = .locked
        case .active: display = token.isThrottled(at: now) ? .throttled : .active
        }
        if token.type == .totp, let step = token.lastUsed, let period = token.period {
            lastUse = Date(timeIntervalSince1970: Double(step) * Double(period))
        } else {
            lastUse = nil
        }
    }
}
