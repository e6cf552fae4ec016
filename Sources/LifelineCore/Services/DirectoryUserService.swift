import Foundation

/// Users and contacts from the tenant's directory: the lookup at a flow's start, the sync of all users
/// (``sync(tenantName:trigger:caller:progress:)``) and the CSV import (``importUsers(tenantName:csv:caller:progress:)``).
///
/// Every user from the directory is validated with the same rules as the admin API (``Validation``); an entry
/// that breaks one is refused and counted, never stored half.
public struct DirectoryUserService: Sendable {
    public typealias Storage = TenantStore & UserStore & TransactionStore & DirectoryUserStore & RecoveryStore & AuditLog
    let storage: any Storage
    let admin: AdminService
    let directories: any DirectoryResolver
    let clock: any LifelineClock
    let random: any RandomSource
    let authorizer = Authorizer()
    /// Told what went wrong where nobody else is (a lookup at flow start never fails the flow): (tenant, message).
    /// The composition root logs it.
    let onProblem: @Sendable (String, String) -> Void

    /// How many entries a page of a sync asks for (paged results). Why 500: under Active Directory's default
    /// MaxPageSize of 1000, and small enough that a page is a few hundred kilobytes.
    public static let pageSize = 500

    public init(storage: any Storage, admin: AdminService, directories: any DirectoryResolver, clock: any LifelineClock,
                random: any RandomSource, onProblem: @escaping @Sendable (String, String) -> Void = { _, _ in }) {
        self.storage = storage; self.admin = admin; self.directories = directories; self.clock = clock; self.random = random
        self.onProblem = onProblem
    }

    /// The tenant's settings for users from the directory; `invalidRequest` when it has none.
    func userSettings(_ tenant: Tenant) async throws -> (DirectorySettings, DirectoryUserSettings) {
        guard let config = try await storage.recoveryConfig(tenantID: tenant.id), config.directory.type == .ldap,
              let users = config.directory.users else {
            throw LifelineError(.invalidRequest, "this organization takes no users from a directory (set directory.type ldap and directory.users)")
        }
        return (config.directory, users)
    }

    // MARK: lookup at flow start

    /// Looks `username` up in the tenant's directory and creates or updates the local user and contacts, when the
    /// tenant asks for it (`directory.users.lookup_at_flow_start`). Never throws and never tells the caller what it
    /// found: a recovery flow starts the same way whether the directory has the user, has not, or cannot be asked.
    ///
    /// Why the same work either way: the answer's timing must not tell an anonymous caller whether a username exists.
    /// So the decision to look up depends only on when *this username* was last looked up (recorded for found and
    /// unknown names alike), and each lookup does the same reads (the local user, its link and contacts, by the typed
    /// name), one search and one write (the lookup time, plus the user's changes when there are any). A directory
    /// that fails or is slow fails or is slow for every name (bounded by the connection's `timeout`); the flow then
    /// goes on with what is stored.
    public func lookUp(tenant: Tenant, config: RecoveryConfig, username: String) async {
        guard config.directory.type == .ldap, let settings = config.directory.users, settings.lookupAtFlowStart else { return }
        let key = Validation.usernameKey(username)
        let now = clock.now()
        do {
            if let last = try await storage.directoryLookupTime(tenantID: tenant.id, usernameKey: key),
               now.timeIntervalSince(last) < Double(settings.lookupInterval), now >= last { return }
            let existing = try await storage.user(tenantID: tenant.id, username: username)
            // The same reads for an unknown name: a link and contacts of an id that matches nothing.
            let probe = existing?.id ?? random.uuid()
            let link = try await storage.directoryLink(userID: probe)
            let contacts = try await storage.contacts(userID: probe)
            var write = DirectoryUserWrite(tenantID: tenant.id)
            write.lookedUp = (key, now)
            do {
                let source = try await directories.userSource(tenant: tenant, settings: config.directory)
                if let record = try await source.user(username: username) {
                    switch Self.map(record) {
                    case .success(let mapped) where Validation.usernameKey(mapped.username) == key:
                        let planned = plan(mapped, existing: existing, link: link, contacts: contacts, tenant: tenant, settings: settings,
                                           reference: record.reference, actor: "directory", source: "directory lookup", now: now)
                        let lookedUp = write.lookedUp
                        write = planned.write
                        write.lookedUp = lookedUp
                    case .success(let mapped):
                        onProblem(tenant.name, "directory entry \(record.reference) found for a lookup has another username (\(mapped.username)); check user_filter and attributes.username")
                    case .failure(let refusal):
                        onProblem(tenant.name, "directory entry \(record.reference) refused: \(refusal.reason)")
                    }
                }
            } catch {
                // Nothing is recorded, so the next flow start asks again (for every name alike).
                onProblem(tenant.name, "directory lookup failed: \(error)")
                return
            }
            try await storage.applyDirectoryUser(write)
        } catch {
            onProblem(tenant.name, "directory lookup could not be stored: \(error)")
        }
    }

    // MARK: status

    /// What the tenant's directory settings are and how its last sync went (`config.read`).
    public func status(tenantName: String, caller: Caller) async throws -> (tenant: Tenant, settings: DirectorySettings, users: DirectoryUserSettings?,
                                                                          flavor: LDAPSettings.Flavor?, lastRun: DirectorySyncRun?) {
        try authorizer.require(.configRead, caller)
        let tenant = try await admin.tenant(tenantName, caller: caller)
        let directory = try await storage.recoveryConfig(tenantID: tenant.id)?.directory ?? DirectorySettings()
        let flavor = try? await directories.userSourceFlavor(tenant: tenant, settings: directory)
        return (tenant, directory, directory.type == .ldap ? directory.users : nil, flavor, try await storage.lastDirectorySyncRun(tenantID: tenant.id))
    }
}

extension DirectoryResolver {
    /// The flavor of the connection the tenant names (for showing the default attribute names); nil when unknown.
    func userSourceFlavor(tenant: Tenant, settings: DirectorySettings) async throws -> LDAPSettings.Flavor? {
        (try await userSource(tenant: tenant, settings: settings) as? any DirectoryUserSourceDescribing)?.flavor
    }
}

/// A user source that can say which kind of directory it reads (the LDAP adapter's does).
public protocol DirectoryUserSourceDescribing: Sendable {
    var flavor: LDAPSettings.Flavor { get }
    /// The attribute names it reads, defaults filled in.
    var attributes: DirectoryAttributeMapping.ResolvedAttributes { get }
}
