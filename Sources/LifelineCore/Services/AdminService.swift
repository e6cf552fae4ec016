import Foundation

/// What to enroll: a new token's parameters and, optionally, an imported secret.
public struct EnrollmentRequest: Sendable {
    public var type: TokenType
    public var algorithm: OTPAlgorithm = .sha1
    public var digits: Int = 6
    public var period: Int = 30
    public var counter: Int64 = 0
    /// An imported secret, base32; nil to generate one.
    public var secretBase32: String?
    public var label: String = ""
    /// The token's PIN (``TokenPIN``: 4–8 digits, weak ones refused); nil: none.
    public var pin: String?

    public init(type: TokenType) { self.type = type }
}

/// A new token and its URI: the only moment the secret leaves Lifeline.
public struct Enrollment: Sendable {
    public var token: Token
    /// The owner's username as stored (its case may differ from the one in the request).
    public var username: String
    public var otpauthURI: String
}

/// The administration use cases shared by the admin API and the CLI. Every change is audited in the same
/// transaction as the change itself (the stores' contract).
public struct AdminService: Sendable {
    let storage: any Storage
    let vault: any KeyVault
    let clock: any LifelineClock
    let random: any RandomSource
    let policy: OTPPolicy
    /// Decides what each principal may do (every public use case asks it first).
    let authorizer = Authorizer()

    /// Checks a tenant's directory settings against the server's directory connections when a configuration is applied.
    let directories: any DirectoryResolver

    public init(storage: any Storage, vault: any KeyVault, clock: any LifelineClock, random: any RandomSource, policy: OTPPolicy,
                directories: (any DirectoryResolver)? = nil) {
        self.directories = directories ?? BuiltinDirectoryResolver(storage: storage, random: random, clock: clock)
        self.storage = storage; self.vault = vault; self.clock = clock; self.random = random; self.policy = policy
    }

    func audit(_ caller: Caller, tenant: String?, subject: String, event: String, outcome: String = "success", reason: String = "") -> AuditRecord {
        AuditRecord(time: clock.now(), tenant: tenant, actor: caller.actor, subject: subject, event: event, outcome: outcome, reason: reason, source: caller.source)
    }

    // MARK: tenants

    public func createTenant(name: String, displayName: String?, caller: Caller) async throws -> Tenant {
        try authorizer.require(.tenantsManage, caller)
        let name = try Validation.tenantName(name)
        let display = try Validation.displayName(displayName ?? name)
        let tenant = Tenant(id: random.uuid(), name: name, displayName: display, createdAt: clock.now())
        try await storage.insertTenant(tenant, audit: audit(caller, tenant: name, subject: name, event: "tenant.create"))
        return tenant
    }

    public func listTenants(caller: Caller) async throws -> [Tenant] {
        try authorizer.require(.tenantsRead, caller)
        let all = try await storage.tenants()
        return all.filter { caller.mayAccess($0.id) }
    }

    /// The tenant named `name`, if the caller may act on it. A tenant-scoped caller gets 403 for every other name,
    /// existing, unknown or malformed (``Authorizer/requireScope(_:tenant:)`` says why); a global one gets 404 for
    /// an unknown name. Every use case on a tenant resolves it here, so none skips the scope check.
    public func tenant(_ name: String, caller: Caller) async throws -> Tenant {
        let tenant = (try? Validation.tenantName(name)) == nil ? nil : try await storage.tenant(named: name)
        // Before the name's own check, so that a malformed name is "another tenant" to a scoped caller too.
        try authorizer.requireScope(caller, tenant: tenant)
        _ = try Validation.tenantName(name)
        guard let tenant else { throw LifelineError(.notFound, "no such tenant") }
        return tenant
    }

    // MARK: users

    public struct NewUser: Sendable {
        public var username: String
        public var displayName: String?
        public var language: String?
        public var status: UserStatus?
        public var emails: [String] = []
        public var phones: [String] = []
        public init(username: String) { self.username = username }
    }

    public func createUser(tenantName: String, _ new: NewUser, caller: Caller) async throws -> User {
        try authorizer.require(.usersWrite, caller)
        let tenant = try await tenant(tenantName, caller: caller)
        let username = try Validation.username(new.username)
        let user = User(id: random.uuid(), tenantID: tenant.id, username: username,
                        displayName: try Validation.displayName(new.displayName ?? username),
                        status: new.status ?? .active, language: try Validation.language(new.language ?? "en"), createdAt: clock.now())
        var contacts: [Contact] = []
        for e in new.emails { contacts.append(Contact(id: random.uuid(), userID: user.id, kind: .email, value: try Validation.email(e), verified: true, createdAt: user.createdAt)) }
        for p in new.phones { contacts.append(Contact(id: random.uuid(), userID: user.id, kind: .phone, value: try Validation.phoneE164(p), verified: true, createdAt: user.createdAt)) }
        try await storage.insertUser(user, contacts: contacts, audit: audit(caller, tenant: tenant.name, subject: username, event: "user.create"))
        return user
    }

    /// Also the lookup of the use cases on one user, so every one of them needs `users.read` (every role that may
    /// change a user or its credentials may read it; ``Authorizer``'s tests hold that).
    public func user(tenantName: String, username: String, caller: Caller) async throws -> (Tenant, User) {
        try authorizer.require(.usersRead, caller)
        let tenant = try await tenant(tenantName, caller: caller)
        guard let user = try await storage.user(tenantID: tenant.id, username: username) else {
            throw LifelineError(.notFound, "no such user")
        }
        return (tenant, user)
    }

    public func listUsers(tenantName: String, caller: Caller) async throws -> (Tenant, [User]) {
        try authorizer.require(.usersRead, caller)
        let tenant = try await tenant(tenantName, caller: caller)
        return (tenant, try await storage.users(tenantID: tenant.id))
    }

    public func updateUser(tenantName: String, username: String, displayName: String?, status: UserStatus?, language: String?, caller: Caller) async throws -> (Tenant, User) {
        try authorizer.require(.usersWrite, caller)
        var (tenant, user) = try await user(tenantName: tenantName, username: username, caller: caller)
        if let displayName { user.displayName = try Validation.displayName(displayName) }
        if let status { user.status = status }
        if let language { user.language = try Validation.language(language) }
        try await storage.updateUser(user, audit: audit(caller, tenant: tenant.name, subject: user.username, event: "user.update"))
        return (tenant, user)
    }

    public func addContact(tenantName: String, username: String, kind: ContactKind, value: String, verified: Bool, caller: Caller) async throws -> Contact {
        try authorizer.require(.usersWrite, caller)
        let (tenant, user) = try await user(tenantName: tenantName, username: username, caller: caller)
        let normalized = kind == .phone ? try Validation.phoneE164(value) : try Validation.email(value)
        let contact = Contact(id: random.uuid(), userID: user.id, kind: kind, value: normalized, verified: verified, createdAt: clock.now())
        // With its consequence: the user's emergency code ends (EmergencyCodeRules).
        try await storage.insertContact(contact, username: user.username,
                                        audit: audit(caller, tenant: tenant.name, subject: user.username, event: "contact.add", reason: kind.rawValue))
        return contact
    }

    /// Removes the contact `id` of the user (audited `contact.remove`); `notFound` when the user has no such contact.
    public func removeContact(tenantName: String, username: String, id: UUID, caller: Caller) async throws {
        try authorizer.require(.usersWrite, caller)
        let (tenant, user) = try await user(tenantName: tenantName, username: username, caller: caller)
        guard let contact = try await storage.contacts(userID: user.id).first(where: { $0.id == id }),
              try await storage.deleteContact(id: id, userID: user.id,
                                              audit: audit(caller, tenant: tenant.name, subject: user.username, event: "contact.remove",
                                                           reason: contact.kind.rawValue)) else {
            throw LifelineError(.notFound, "no such contact")
        }
    }

    public func contacts(tenantName: String, username: String, caller: Caller) async throws -> [Contact] {
        try authorizer.require(.usersRead, caller)
        let (_, user) = try await user(tenantName: tenantName, username: username, caller: caller)
        return try await storage.contacts(userID: user.id)
    }
}
