import Foundation
import LifelineCore
import LifelineLDAP
import Logging

/// The composition root's choice of directory per tenant: the built-in one, or an ``LDAPDirectory`` on one of the
/// operator's connections (`directories.<name>`), kept per tenant (so its service connection is reused) and
/// replaced when the tenant's LDAP settings or the connection change.
actor AppDirectoryResolver: DirectoryResolver {
    let builtin: BuiltinDirectoryResolver
    /// The operator's directory connections by name (server configuration).
    let connections: [String: DirectoryConnection]
    /// Reads the connections' service-account passwords (environment or file) at each bind.
    let secrets: any SecretReader
    let logger: Logger
    private var ldap: [UUID: (settings: LDAPSettings, directory: LDAPDirectory)] = [:]

    init(builtin: BuiltinDirectoryResolver, connections: [String: DirectoryConnection] = [:],
         secrets: any SecretReader = SystemSecretReader(), logger: Logger) {
        self.builtin = builtin; self.connections = connections; self.secrets = secrets; self.logger = logger
    }

    /// Checks every connection without connecting (URL, TLS files, clear text only to loopback, the operator's
    /// limits); throws a configuration error naming `directories.<name>`.
    static func validate(_ connections: [String: DirectoryConnection]) throws {
        for (name, connection) in connections.sorted(by: { $0.key < $1.key }) {
            if let problem = connection.problems().first { throw LifelineError(.configuration, "directories.\(name): \(problem)") }
            let settings = connection.settings(for: TenantLDAPSettings(connection: name))
            do { try LDAPDirectory.validate(settings) } catch { throw LifelineError(.configuration, "directories.\(name): \(error)") }
        }
    }

    nonisolated func problems(_ settings: DirectorySettings, tenant: String) async -> [ConfigProblem] {
        guard settings.type == .ldap, let l = settings.ldap else { return [] }
        let found = DirectoryConnection.problems(l, tenant: tenant, in: connections)
        guard found.isEmpty else { return found }
        if let filter = l.userFilter, let problem = LDAPDirectory.userFilterProblem(filter) {
            return [ConfigProblem(path: ["directory", "ldap", "user_filter"], reason: problem)]
        }
        if let filter = settings.users?.filter, let problem = LDAPUserSource.filterProblem(filter) {
            return [ConfigProblem(path: ["directory", "users", "filter"], reason: problem)]
        }
        return []
    }

    /// The tenant's users, searched on its LDAP directory's service connection (the connection the operator named,
    /// checked again at use like every directory operation).
    func userSource(tenant: Tenant, settings: DirectorySettings) async throws -> any DirectoryUserSource {
        guard settings.type == .ldap, let users = settings.users else { throw DirectoryUnavailable("the tenant takes no users from a directory") }
        guard let directory = try await directory(tenant: tenant, settings: settings) as? LDAPDirectory, let resolved = ldap[tenant.id]?.settings else {
            throw DirectoryUnavailable("the tenant's directory is not an LDAP directory")
        }
        return LDAPUserSource(directory: directory, settings: resolved, users: users)
    }

    func directory(tenant: Tenant, settings: DirectorySettings) async throws -> any Directory {
        guard settings.type == .ldap else { return try await builtin.directory(tenant: tenant, settings: settings) }
        guard let l = settings.ldap else { throw DirectoryUnavailable("the tenant's LDAP settings are missing") }
        // Why again at use: the operator may have removed the connection or narrowed its limits since the tenant's
        // configuration was applied; a stored configuration never outranks the server's.
        let problems = await self.problems(settings, tenant: tenant.name)
        guard problems.isEmpty, let connection = connections[l.connection] else {
            throw DirectoryUnavailable("the tenant's LDAP settings no longer fit the server's directory connections: \(problems.map(\.description).joined(separator: "; "))")
        }
        let resolved = connection.settings(for: l)
        if let cached = ldap[tenant.id] {
            if cached.settings == resolved { return cached.directory }
            await cached.directory.shutdown()
        }
        var log = logger
        log[metadataKey: "tenant"] = .string(tenant.name)
        log[metadataKey: "ldap.connection"] = .string(l.connection)
        let directory = LDAPDirectory(settings: resolved, secrets: secrets, logger: log)
        ldap[tenant.id] = (resolved, directory)
        return directory
    }

    /// Closes every LDAP connection.
    func shutdown() async {
        for (_, entry) in ldap { await entry.directory.shutdown() }
        ldap = [:]
    }
}
