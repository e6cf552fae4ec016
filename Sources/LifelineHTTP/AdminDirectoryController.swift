import Foundation
import Hummingbird
import LifelineCore

/// Admin routes for users from a tenant's directory (docs/directory-users.md): run a sync now, and read the
/// settings with the last run.
struct AdminDirectoryController {
    let directory: DirectoryUserService?

    /// A sync run as the API shows it.
    struct RunOut: Encodable {
        let run: DirectorySyncRun
        enum K: String, CodingKey { case trigger, actor, started_at, finished_at, created, updated, disabled, unchanged, refused, error }
        func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: K.self)
            try c.encode(run.trigger, forKey: .trigger)
            try c.encode(run.actor, forKey: .actor)
            try c.encode(run.startedAt, forKey: .started_at)
            try c.encode(run.finishedAt, forKey: .finished_at)
            let s = run.summary
            try c.encode(s.created, forKey: .created)
            try c.encode(s.updated, forKey: .updated)
            try c.encode(s.disabled, forKey: .disabled)
            try c.encode(s.unchanged, forKey: .unchanged)
            try c.encode(s.refused, forKey: .refused)
            if let e = run.error { try c.encode(e, forKey: .error) } else { try c.encodeNil(forKey: .error) }
        }
    }

    /// The tenant's directory settings for users (the attribute names with the defaults filled in) and the last run.
    struct StatusOut: Encodable {
        let tenant: String
        let settings: DirectorySettings
        let users: DirectoryUserSettings?
        let attributes: DirectoryAttributeMapping.ResolvedAttributes?
        let lastRun: DirectorySyncRun?
        enum K: String, CodingKey { case tenant, type, connection, users_from_directory, attributes, filter, lookup_at_flow_start, lookup_interval,
                                         sync_interval, contacts_verified, last_sync }
        enum A: String, CodingKey { case username, display_name, mail, mobile, language }
        func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: K.self)
            try c.encode(tenant, forKey: .tenant)
            try c.encode(settings.type.rawValue, forKey: .type)
            if let name = settings.ldap?.connection { try c.encode(name, forKey: .connection) } else { try c.encodeNil(forKey: .connection) }
            try c.encode(users != nil, forKey: .users_from_directory)
            if let a = attributes {
                var m = c.nestedContainer(keyedBy: A.self, forKey: .attributes)
                try m.encode(a.username, forKey: .username); try m.encode(a.displayName, forKey: .display_name)
                try m.encode(a.mail, forKey: .mail); try m.encode(a.mobile, forKey: .mobile); try m.encode(a.language, forKey: .language)
            } else { try c.encodeNil(forKey: .attributes) }
            if let f = users?.filter { try c.encode(f, forKey: .filter) } else { try c.encodeNil(forKey: .filter) }
            try c.encode(users?.lookupAtFlowStart ?? false, forKey: .lookup_at_flow_start)
            try c.encode(users?.lookupInterval ?? 0, forKey: .lookup_interval)
            try c.encode(users?.syncInterval ?? 0, forKey: .sync_interval)
            try c.encode(users?.contactsVerified ?? false, forKey: .contacts_verified)
            if let lastRun { try c.encode(RunOut(run: lastRun), forKey: .last_sync) } else { try c.encodeNil(forKey: .last_sync) }
        }
    }

    func service() throws -> DirectoryUserService {
        guard let directory else { throw LifelineError(.unavailable, "this server has no directory user service") }
        return directory
    }

    func addRoutes(to group: RouterGroup<AuthenticatedRequestContext>) {
        group.post("/tenants/:tenant/directory/sync") { _, context in
            let run = try await service().sync(tenantName: try context.parameters.require("tenant"), trigger: "api", caller: context.principal)
            return try JSON.response(RunOut(run: run))
        }
        group.get("/tenants/:tenant/directory") { _, context in
            let s = try await service().status(tenantName: try context.parameters.require("tenant"), caller: context.principal)
            return try JSON.response(StatusOut(tenant: s.tenant.name, settings: s.settings, users: s.users,
                                               attributes: s.users.map { $0.attributes.resolved(for: s.flavor ?? .openldap) }, lastRun: s.lastRun))
        }
    }
}
