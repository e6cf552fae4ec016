import Foundation
import LifelineCore
import SQLKit

extension SQLStore: DirectoryUserStore {
    public func directoryLinks(tenantID: UUID) async throws -> [DirectoryUserLink] {
        try await backend.read { db in
            try await db.raw("SELECT * FROM directory_users WHERE tenant_id = \(bind: Row.id(tenantID))").all().map(Self.link(from:))
        }
    }

    public func directoryLink(userID: UUID) async throws -> DirectoryUserLink? {
        try await backend.read { db in
            try await db.raw("SELECT * FROM directory_users WHERE user_id = \(bind: Row.id(userID))").first().map(Self.link(from:))
        }
    }

    public func applyDirectoryUser(_ write: DirectoryUserWrite) async throws {
        try await backend.write(lane: write.work.lane) { db in
            switch write.user {
            case .insert(let u):
                let inserted = try await db.raw("""
                    INSERT INTO users (id, tenant_id, username, username_key, display_name, status, language, created_at)
                    VALUES (\(bind: Row.id(u.id)), \(bind: Row.id(u.tenantID)), \(bind: u.username), \(bind: u.usernameKey),
                      \(bind: u.displayName), \(bind: u.status.rawValue), \(bind: u.language), \(bind: Row.millis(u.createdAt)))
                    ON CONFLICT DO NOTHING RETURNING id
                    """).first()
                guard inserted != nil else { throw LifelineError(.conflict, "a user named '\(u.username)' exists in this tenant") }
            case .update(let u):
                let updated = try await db.raw("""
                    UPDATE users SET display_name = \(bind: u.displayName), status = \(bind: u.status.rawValue), language = \(bind: u.language)
                    WHERE id = \(bind: Row.id(u.id)) AND tenant_id = \(bind: Row.id(write.tenantID)) RETURNING id
                    """).first()
                guard updated != nil else { throw LifelineError(.notFound, "no such user") }
            case .none:
                break
            }
            for id in write.removeContacts {
                try await db.raw("DELETE FROM contacts WHERE id = \(bind: Row.id(id))").run()
            }
            if let l = write.link {
                try await db.raw("""
                    INSERT INTO directory_users (user_id, tenant_id, reference, mail, mobile, departed, synced_at)
                    VALUES (\(bind: Row.id(l.userID)), \(bind: Row.id(l.tenantID)), \(bind: l.reference), \(bind: l.mail), \(bind: l.mobile),
                      \(bind: Int64(l.departed ? 1 : 0)), \(bind: Row.millis(l.syncedAt)))
                    ON CONFLICT (user_id) DO UPDATE SET reference = excluded.reference, mail = excluded.mail, mobile = excluded.mobile,
                      departed = excluded.departed, synced_at = excluded.synced_at
                    """).run()
            }
            if let (key, at) = write.lookedUp {
                try await db.raw("""
                    INSERT INTO directory_lookups (tenant_id, username_key, looked_up_at)
                    VALUES (\(bind: Row.id(write.tenantID)), \(bind: key), \(bind: Row.millis(at)))
                    ON CONFLICT (tenant_id, username_key) DO UPDATE SET looked_up_at = excluded.looked_up_at
                    """).run()
            }
            var outcome = UnitOfWork.Outcome(results: [])
            for step in write.work.steps {
                guard outcome.holds(step.condition) else { outcome.results.append(nil); continue }
                outcome.results.append(try await self.run(step.operation, in: db))
            }
        }
    }

    public func directoryLookupTime(tenantID: UUID, usernameKey: String) async throws -> Date? {
        try await backend.read { db in
            try await db.raw("""
                SELECT looked_up_at FROM directory_lookups WHERE tenant_id = \(bind: Row.id(tenantID)) AND username_key = \(bind: usernameKey)
                """).first().map { Row.date(try $0.decode(column: "looked_up_at", as: Int64.self)) }
        }
    }

    public func insertDirectorySyncRun(_ r: DirectorySyncRun) async throws {
        try await backend.write { db in
            let s = r.summary
            try await db.raw("""
                INSERT INTO directory_sync_runs (id, tenant_id, run_trigger, actor, started_at, finished_at, created, updated, disabled, unchanged, refused, error)
                VALUES (\(bind: Row.id(r.id)), \(bind: Row.id(r.tenantID)), \(bind: r.trigger), \(bind: r.actor), \(bind: Row.millis(r.startedAt)),
                  \(bind: Row.millis(r.finishedAt)), \(bind: Int64(s.created)), \(bind: Int64(s.updated)), \(bind: Int64(s.disabled)),
                  \(bind: Int64(s.unchanged)), \(bind: Int64(s.refused)), \(bind: r.error))
                """).run()
        }
    }

    public func lastDirectorySyncRun(tenantID: UUID) async throws -> DirectorySyncRun? {
        try await backend.read { db in
            try await db.raw("""
                SELECT * FROM directory_sync_runs WHERE tenant_id = \(bind: Row.id(tenantID)) ORDER BY started_at DESC, finished_at DESC LIMIT 1
                """).first().map { row in
                func n(_ c: String) throws -> Int { Int(try row.decode(column: c, as: Int64.self)) }
                return DirectorySyncRun(id: try Row.uuid(row, "id"), tenantID: try Row.uuid(row, "tenant_id"),
                                        trigger: try row.decode(column: "run_trigger", as: String.self), actor: try row.decode(column: "actor", as: String.self),
                                        startedAt: Row.date(try row.decode(column: "started_at", as: Int64.self)),
                                        finishedAt: Row.date(try row.decode(column: "finished_at", as: Int64.self)),
                                        summary: DirectorySyncSummary(created: try n("created"), updated: try n("updated"), disabled: try n("disabled"),
                                                                      unchanged: try n("unchanged"), refused: try n("refused")),
                                        error: try row.decode(column: "error", as: String?.self))
            }
        }
    }

    static func link(from row: any SQLRow) throws -> DirectoryUserLink {
        DirectoryUserLink(userID: try Row.uuid(row, "user_id"), tenantID: try Row.uuid(row, "tenant_id"),
                          reference: try row.decode(column: "reference", as: String.self), mail: try row.decode(column: "mail", as: String?.self),
                          mobile: try row.decode(column: "mobile", as: String?.self), departed: try row.decode(column: "departed", as: Int64.self) != 0,
                          syncedAt: Row.date(try row.decode(column: "synced_at", as: Int64.self)))
    }
}
