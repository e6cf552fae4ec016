import Foundation

/// One user as the tenant's directory describes it, with the mapped attributes' first values as the directory
/// sent them (nothing is checked yet: ``DirectoryUserService`` validates with ``Validation``).
public struct DirectoryUserRecord: Sendable, Equatable {
    /// The directory's name for the entry (an LDAP DN).
    public var reference: String
    public var username: String?
    public var displayName: String?
    public var mail: String?
    public var mobile: String?
    public var language: String?

    public init(reference: String, username: String?, displayName: String? = nil, mail: String? = nil, mobile: String? = nil, language: String? = nil) {
        self.reference = reference; self.username = username; self.displayName = displayName; self.mail = mail
        self.mobile = mobile; self.language = language
    }
}

/// Where a tenant's users come from: a search of its directory through the connection the operator named.
///
/// Contract: both methods only read. ``user(username:)`` finds the user with the tenant's `user_filter` (the
/// username escaped, never filter syntax) and returns nil when there is none; more than one entry, or a directory
/// that cannot be asked, throws ``DirectoryUnavailable``. ``users(pageSize:_:)`` hands every entry of the sync
/// filter to `page`, a page at a time (paged results where the server offers them), and throws
/// ``DirectoryUnavailable`` when the listing could not be completed: the caller must then not take a missing user
/// as gone.
public protocol DirectoryUserSource: Sendable {
    func user(username: String) async throws -> DirectoryUserRecord?
    func users(pageSize: Int, _ page: ([DirectoryUserRecord]) async throws -> Void) async throws
}

extension DirectoryResolver {
    /// A resolver without an LDAP adapter has no user source.
    public func userSource(tenant: Tenant, settings: DirectorySettings) async throws -> any DirectoryUserSource {
        throw DirectoryUnavailable("this server has no LDAP adapter")
    }
}
