import Foundation
import LifelineCore
import SQLKit

/// Users' groups, which an offline policy's `groups` names (``OfflineStore``; set by an administrator or by the
/// directory sync). One row per group, unique per user case-insensitively.
extension SQLStore {
    public func groups(userID: UUID) async throws -> [String] {
        let names = try await backend.read { db in
            try await db.raw("SELECT name FROM user_groups WHERE user_id = \(bind: Row.id(userID))").all()
                .map { try $0.decode(column: "name", as: String.self) }
        }
        // Sorted here, not by the database: PostgreSQL's collation and SQLite's byte order differ.
        return names.sorted()
    }

    public func setGroups(tenantID: UUID, userID: UUID, groups: [String], audit: AuditRecord) async throws {
        try await backend.write(lane: audit.chain) { db in
            // Why the lock (PostgreSQL): two concurrent replacements would each delete only the rows they see and then
            // insert theirs, leaving a mix of both lists; taking turns on the user's row, the later one wins whole.
            try await self.lockUser(userID, in: db)
            try await db.raw("DELETE FROM user_groups WHERE user_id = \(bind: Row.id(userID))").run()
            if !groups.isEmpty {
                // One statement for the whole list. ON CONFLICT: names that differ only in case are one group (the
                // first one given is kept).
                let user = Row.id(userID), tenant = Row.id(tenantID)
                var insert: SQLQueryString = "INSERT INTO user_groups (user_id, tenant_id, name, name_key) VALUES "
                for (i, name) in groups.enumerated() {
                    insert += "\(unsafeRaw: i == 0 ? "" : ", ")(\(bind: user), \(bind: tenant), \(bind: name), \(bind: Self.nameKey(name)))"
                }
                insert += " ON CONFLICT DO NOTHING"
                try await db.raw(insert).run()
            }
            try await self.appendAudit(audit, in: db)
        }
    }
}
