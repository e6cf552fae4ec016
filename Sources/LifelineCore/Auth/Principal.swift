import Foundation

/// Who acts on a service: an API key, an operator, the person in a recovery flow, the command line or the system.
/// It carries that identity (as the audit log names it), the tenant it is limited to, and its roles. Services ask
/// ``Authorizer`` whether it may do what it asks.
public struct Principal: Sendable, Equatable {
    /// The kind of actor and its identity.
    public enum Identity: Sendable, Equatable {
        /// An API key, by its public id.
        case apiKey(id: String)
        /// An operator of the console, by username.
        case `operator`(name: String)
        /// The person in a recovery flow (anonymous until the flow proves who they are).
        case flowUser
        /// The command line: whoever can run it can read the database.
        case commandLine
        /// The server itself or a named internal actor (`system`, `demo`, a test's name).
        case system(String)
    }

    /// Who acts.
    public let identity: Identity
    /// The audit actor (`apikey:<id>`, `operator:<name>`, `anonymous`, `cli`, `system`, ...). Stored, not computed on
    /// each read: validation audits it on every request.
    public let actor: String
    /// The client address, or empty.
    public var source: String
    /// The tenants the principal is limited to, or nil for a global one. An API key has at most one; an operator
    /// may be scoped to several organizations (issue 15).
    public var tenants: Set<UUID>?
    /// Whether the principal may act in every tenant (and on server-level things).
    public var isGlobal: Bool { tenants == nil }
    /// The one tenant of a principal limited to exactly one, else nil. Why not "nil means global": an operator of
    /// two organizations has no single tenant but is not global; ask ``isGlobal`` or ``mayAccess(_:)``.
    public var singleTenant: UUID? { tenants.flatMap { $0.count == 1 ? $0.first : nil } }
    /// What the principal may do, through ``Authorizer``.
    public var roles: Set<Role>

    public init(_ identity: Identity, source: String = "", roles: Set<Role>, tenantID: UUID? = nil) {
        self.init(identity, source: source, roles: roles, tenants: tenantID.map { [$0] })
    }

    /// A principal limited to `tenants` (nil: global).
    public init(_ identity: Identity, source: String = "", roles: Set<Role>, tenants: Set<UUID>?) {
        self.identity = identity; self.actor = Self.actor(of: identity)
        self.source = source; self.roles = roles; self.tenants = tenants
    }

    /// A principal from an audit actor string and one role: the form callers used before principals (`Caller(actor:
    /// "apikey:x", scope: .validate)`). The identity is read back from the actor, so the audit log names it alike.
    public init(actor: String, source: String = "", scope role: Role, tenantID: UUID? = nil) {
        self.init(Self.identity(of: actor), source: source, roles: [role], tenantID: tenantID)
    }

    /// The principal of an API key.
    public static func apiKey(_ key: APIKey, source: String) -> Principal {
        Principal(.apiKey(id: key.id), source: source, roles: [key.role], tenantID: key.tenantID)
    }

    /// The person in a recovery flow. Why no roles: a flow acts through its own rules (steps, grants), never
    /// through the admin or validation use cases.
    public static func flowUser(source: String) -> Principal { Principal(.flowUser, source: source, roles: []) }

    /// The command line: an operator with access to the database is a global administrator.
    public static let cli = Principal(.commandLine, roles: [.admin])

    /// Whether this principal may act on `tenant` (its own, or any for a global principal).
    public func mayAccess(_ tenant: UUID) -> Bool { tenants?.contains(tenant) ?? true }

    static func actor(of identity: Identity) -> String {
        switch identity {
        case .apiKey(let id): "apikey:\(id)"
        case .operator(let name): "operator:\(name)"
        case .flowUser: "anonymous"
        case .commandLine: "cli"
        case .system(let name): name
        }
    }

    static func identity(of actor: String) -> Identity {
        if actor.hasPrefix("apikey:") { return .apiKey(id: String(actor.dropFirst(7))) }
        if actor.hasPrefix("operator:") { return .operator(name: String(actor.dropFirst(9))) }
        switch actor {
        case "anonymous": return .flowUser
        case "cli": return .commandLine
        default: return .system(actor)
        }
    }
}

/// The name services and their callers used before principals; kept so that the files other work changes at the same
/// time need no edit. New code says `Principal`.
public typealias Caller = Principal
