import Foundation

/// The resolver when no adapter is wired: every tenant uses the ``BuiltinDirectory``; an `ldap` tenant gets a
/// clear "unavailable" instead of silently falling back.
public struct BuiltinDirectoryResolver: DirectoryResolver {
    let storage: any BuiltinDirectory.Storage
    let random: any RandomSource
    let clock: any LifelineClock

    public init(storage: any BuiltinDirectory.Storage, random: any RandomSource, clock: any LifelineClock) {
        self.storage = storage; self.random = random; self.clock = clock
    }

    public func directory(tenant: Tenant, settings: DirectorySettings) async throws -> any Directory {
        guard settings.type == .builtin else { throw DirectoryUnavailable("this server has no LDAP adapter") }
        return BuiltinDirectory(tenantID: tenant.id, storage: storage, random: random, clock: clock)
    }
}
