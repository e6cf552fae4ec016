import Foundation
import LifelineCore
import LifelineLDAP
import Logging

/// The composition root's choice of directory per tenant: the built-in one, or an ``LDAPDirectory`` kept per
/// tenant (so its service connection is reused) and replaced when the tenant's LDAP settings change.
actor AppDirectoryResolver: DirectoryResolver {
    let builtin: BuiltinDirectoryResolver
    let logger: Logger
    private var ldap: [UUID: (settings: LDAPSettings, directory: LDAPDirectory)] = [:]

    init(builtin: BuiltinDirectoryResolver, logger: Logger) { self.builtin = builtin; self.logger = logger }

    func directory(tenant: Tenant, settings: DirectorySettings) async throws -> any Directory {
        guard settings.type == .ldap else { return try await builtin.directory(tenant: tenant, settings: settings) }
        guard let l = settings.ldap else { throw DirectoryUnavailable("the tenant's LDAP settings are missing") }
        if let cached = ldap[tenant.id] {
            if cached.settings == l { return cached.directory }
            await cached.directory.shutdown()
        }
        var log = logger
        log[metadataKey: "tenant"] = .string(tenant.name)
        let directory = LDAPDirectory(settings: l, logger: log)
        ldap[tenant.id] = (l, directory)
        return directory
    }

    /// Closes every LDAP connection.
    func shutdown() async {
        for (_, entry) in ldap { await entry.directory.shutdown() }
        ldap = [:]
    }
}
