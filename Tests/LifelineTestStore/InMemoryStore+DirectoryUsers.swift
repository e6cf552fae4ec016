import Foundation
import LifelineCore

extension InMemoryStore: DirectoryUserStore {
    public func directoryLinks(tenantID: UUID) async throws -> [DirectoryUserLink] {
        read { s in s.directoryLinks.values.filter { $0.tenantID == tenantID && s.users[$0.userID] != nil } }
    }

    public func directoryLink(userID: UUID) async throws -> DirectoryUserLink? {
        read { s in s.users[userID] == nil ? nil : s.directoryLinks[userID] }
    }

    public func applyDirectoryUser(_ write: DirectoryUserWrite) async throws {
        let key = try await auditKey()
        try self.write { s in
            switch write.user {
            case .insert(let user):
                guard s.tenants[user.tenantID] != nil else { throw LifelineError(.integrity, "no such tenant (foreign key)") }
                guard !s.users.values.contains(where: { $0.tenantID == user.tenantID && $0.usernameKey == user.usernameKey }) else {
                    throw LifelineError(.conflict, "a user named '\(user.username)' exists in this tenant")
                }
                s.users[user.id] = user
            case .update(let user):
                guard var stored = s.users[user.id], stored.tenantID == write.tenantID else { throw LifelineError(.notFound, "no such user") }
                stored.displayName = user.displayName; stored.status = user.status; stored.language = user.language
                s.users[user.id] = stored
            case .none:
                break
            }
            s.contacts.removeAll { write.removeContacts.contains($0.id) }
            if let link = write.link {
                guard s.users[link.userID] != nil else { throw LifelineError(.integrity, "no such user (foreign key)") }
                s.directoryLinks[link.userID] = link
            }
            if let (usernameKey, at) = write.lookedUp { s.directoryLookups["\(write.tenantID)/\(usernameKey)"] = at }
            var outcome = UnitOfWork.Outcome(results: [])
            for step in write.work.steps {
                guard outcome.holds(step.condition) else { outcome.results.append(nil); continue }
                outcome.results.append(try Self.run(step.operation, key: key, in: &s))
            }
        }
    }

    public func directoryLookupTime(tenantID: UUID, usernameKey: String) async throws -> Date? {
        read { $0.directoryLookups["\(tenantID)/\(usernameKey)"] }
    }

    public func insertDirectorySyncRun(_ run: DirectorySyncRun) async throws {
        write { $0.directorySyncRuns.append(run) }
    }

    public func lastDirectorySyncRun(tenantID: UUID) async throws -> DirectorySyncRun? {
        read { $0.directorySyncRuns.filter { $0.tenantID == tenantID }.max { ($0.startedAt, $0.finishedAt) < ($1.startedAt, $1.finishedAt) } }
    }
}
