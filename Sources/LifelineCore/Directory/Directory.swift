import Foundation

/// A user's account in the tenant's directory, as a recovery action needs it.
public struct DirectoryAccount: Sendable, Equatable {
    /// The directory's own name for the account: an LDAP DN, or the built-in user id.
    public var reference: String
    /// Whether the account is locked out (too many failed logins, or locked by an administrator).
    public var locked: Bool

    public init(reference: String, locked: Bool) { self.reference = reference; self.locked = locked }
}

/// Why a directory refused a change. Each case has a translated explanation in the web catalog
/// (`directory.<rawValue>`), so the user learns what to do instead of seeing a server message.
public enum DirectoryRefusal: String, Sendable, Error, Equatable, CaseIterable {
    /// The directory's policy wants a longer password (ppolicy `passwordTooShort`).
    case passwordTooShort = "password_too_short"
    /// The password was used before (ppolicy `passwordInHistory`).
    case passwordInHistory = "password_in_history"
    /// The password was changed too recently (ppolicy `passwordTooYoung`).
    case passwordTooYoung = "password_too_young"
    /// The directory judged the password too weak (ppolicy `insufficientPasswordQuality`, AD constraint violation).
    case passwordQuality = "password_quality"
    /// The directory refused for another reason it did not name (insufficient access, unwilling to perform).
    case refused
}

/// The directory could not be reached or answered out of protocol; nothing is known to have changed.
public struct DirectoryUnavailable: Error, Sendable, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}

/// The tenant's account directory: where domain passwords and lockouts live.
///
/// Contract: each change is all or nothing. A refused ``resetPassword(_:newPassword:)`` throws
/// ``DirectoryRefusal`` and leaves the old password valid; a transport failure throws ``DirectoryUnavailable``.
/// Implementations never log a password.
public protocol Directory: Sendable {
    /// The account of `username`, or nil when the directory has none.
    func account(username: String) async throws -> DirectoryAccount?
    /// Sets a new password. The old one is not needed: the user proved who they are in the recovery flow.
    func resetPassword(_ account: DirectoryAccount, newPassword: String) async throws
    /// Clears the lockout, so the account can log in again with its current password.
    func unlock(_ account: DirectoryAccount) async throws
}

/// Gives the directory a tenant's configuration names (the composition root maps settings to adapters).
public protocol DirectoryResolver: Sendable {
    func directory(tenant: Tenant, settings: DirectorySettings) async throws -> any Directory
    /// What is wrong with a tenant's directory settings on this server (an unknown connection, a base DN outside
    /// the connection's subtrees, a filter the adapter cannot parse), under `directory`. Checked when a
    /// configuration is applied; never connects.
    func problems(_ settings: DirectorySettings, tenant: String) async -> [ConfigProblem]
    /// The tenant's users in its directory (``DirectoryUserSettings``), through the connection the operator named and
    /// no other; ``DirectoryUnavailable`` when the tenant's settings have none or no longer fit the server's.
    func userSource(tenant: Tenant, settings: DirectorySettings) async throws -> any DirectoryUserSource
}

extension DirectoryResolver {
    /// A resolver without directory connections: every `ldap` setting names an unknown connection.
    public func problems(_ settings: DirectorySettings, tenant: String) async -> [ConfigProblem] {
        guard settings.type == .ldap, let ldap = settings.ldap else { return [] }
        return DirectoryConnection.problems(ldap, tenant: tenant, in: [:])
    }
}
