import Foundation

/// How far a long operation has come, for a progress bar: what it does (`reading`, `storing`), how many it has done
/// and of how many (nil while unknown).
public typealias DirectoryProgress = @Sendable (_ phase: String, _ done: Int, _ total: Int?) -> Void

extension DirectoryUserService {
    /// Synchronizes the tenant's users with its directory (`directory.sync`): reads every entry of the sync filter
    /// (paged), creates or updates each local user, and disables the users that came from the directory and are no
    /// longer in it. The run is stored (``DirectoryUserStore/lastDirectorySyncRun(tenantID:)``) and audited.
    ///
    /// Why users are disabled only after a complete listing: a listing cut short by an outage would otherwise
    /// disable everyone it did not reach. Why disabled and not deleted: their tokens, cards and audit trail stay,
    /// and a user who comes back (a directory restored from backup) is enabled again.
    public func sync(tenantName: String, trigger: String, caller: Caller, progress: DirectoryProgress = { _, _, _ in }) async throws -> DirectorySyncRun {
        try authorizer.require(.directorySync, caller)
        let tenant = try await admin.tenant(tenantName, caller: caller)
        return try await sync(tenant: tenant, trigger: trigger, actor: caller.actor, source: caller.source, progress: progress)
    }

    /// The sync of ``sync(tenantName:trigger:caller:progress:)`` without the permission check (the scheduler's).
    func sync(tenant: Tenant, trigger: String, actor: String, source: String, progress: DirectoryProgress) async throws -> DirectorySyncRun {
        let (directory, settings) = try await userSettings(tenant)
        let started = clock.now()
        var summary = DirectorySyncSummary()
        var failure: String?
        var records: [DirectoryUserRecord] = []
        do {
            let userSource = try await directories.userSource(tenant: tenant, settings: directory)
            try await userSource.users(pageSize: Self.pageSize) { page in
                records += page
                progress("reading", records.count, nil)
            }
        } catch {
            failure = "the directory could not be read: \(error)"
        }
        if failure == nil {
            var users: [String: User] = [:], byID: [UUID: User] = [:]
            for u in try await storage.users(tenantID: tenant.id) { users[u.usernameKey] = u; byID[u.id] = u }
            var links: [UUID: DirectoryUserLink] = [:]
            for l in try await storage.directoryLinks(tenantID: tenant.id) { links[l.userID] = l }
            var seen: Set<String> = []
            for (i, record) in records.enumerated() {
                defer { progress("storing", i + 1, records.count) }
                let mapped: MappedDirectoryUser
                switch Self.map(record) {
                case .success(let m): mapped = m
                case .failure(let refusal):
                    summary.refused += 1
                    onProblem(tenant.name, "directory entry \(record.reference) refused: \(refusal.reason)")
                    continue
                }
                let key = Validation.usernameKey(mapped.username)
                // Why refuse the second: two entries for one username would take turns overwriting the user.
                guard seen.insert(key).inserted else {
                    summary.refused += 1
                    onProblem(tenant.name, "directory entry \(record.reference) refused: another entry has the username \(mapped.username)")
                    continue
                }
                let existing = users[key]
                var contacts: [Contact] = []
                if let existing { contacts = try await storage.contacts(userID: existing.id) }
                let planned = plan(mapped, existing: existing, link: existing.flatMap { links[$0.id] }, contacts: contacts, tenant: tenant,
                                   settings: settings, reference: record.reference, actor: actor, source: source, now: clock.now())
                guard planned.outcome != DirectoryUserOutcome.unchanged || planned.write.link != nil else { summary.unchanged += 1; continue }
                do {
                    try await storage.applyDirectoryUser(planned.write)
                    switch planned.outcome {
                    case .created: summary.created += 1
                    case .updated: summary.updated += 1
                    case .unchanged: summary.unchanged += 1
                    }
                } catch {
                    summary.refused += 1
                    onProblem(tenant.name, "directory entry \(record.reference) could not be stored: \(error)")
                }
            }
            for link in links.values where !link.departed {
                guard let user = byID[link.userID], !seen.contains(user.usernameKey) else { continue }
                guard user.status == .active else { summary.unchanged += 1; continue }
                var disabled = user
                disabled.status = .disabled
                var write = DirectoryUserWrite(tenantID: tenant.id)
                write.user = .update(disabled)
                var gone = link
                gone.departed = true; gone.syncedAt = clock.now()
                write.link = gone
                write.work.append(AuditRecord(time: clock.now(), tenant: tenant.name, actor: actor, subject: user.username, event: "user.disable",
                                              outcome: "success", reason: "no longer in the directory", source: source))
                do { try await storage.applyDirectoryUser(write); summary.disabled += 1 } catch {
                    summary.refused += 1
                    onProblem(tenant.name, "disabling \(user.username) failed: \(error)")
                }
            }
        }
        let run = DirectorySyncRun(id: random.uuid(), tenantID: tenant.id, trigger: trigger, actor: actor, startedAt: started, finishedAt: clock.now(),
                                   summary: summary, error: failure)
        try await storage.insertDirectorySyncRun(run)
        let s = summary
        try await storage.append(AuditRecord(time: run.finishedAt, tenant: tenant.name, actor: actor, subject: tenant.name, event: "directory.sync",
                                             outcome: failure == nil ? "success" : "failure",
                                             reason: failure ?? "created \(s.created), updated \(s.updated), disabled \(s.disabled), unchanged \(s.unchanged), refused \(s.refused)",
                                             source: source))
        return run
    }

    /// Runs the scheduled syncs that are due: every tenant whose `directory.users.sync_interval` is set and whose
    /// last run started at least that long ago. For the server's background service; returns the tenants synced.
    public func runDueSyncs() async -> [String] {
        var done: [String] = []
        guard let tenants = try? await storage.tenants() else { return done }
        for tenant in tenants {
            guard let config = try? await storage.recoveryConfig(tenantID: tenant.id), config.directory.type == .ldap,
                  let users = config.directory.users, users.syncInterval > 0 else { continue }
            if let last = (try? await storage.lastDirectorySyncRun(tenantID: tenant.id)) ?? nil,
               clock.now().timeIntervalSince(last.startedAt) < Double(users.syncInterval) { continue }
            do {
                let run = try await sync(tenant: tenant, trigger: "schedule", actor: "scheduler", source: "server", progress: { _, _, _ in })
                if let error = run.error { onProblem(tenant.name, "scheduled directory sync: \(error)") }
                done.append(tenant.name)
            } catch {
                onProblem(tenant.name, "scheduled directory sync failed: \(error)")
            }
        }
        return done
    }
}
