import Foundation
import LifelineCore
import SQLKit

extension SQLStore: DirectoryAccountStore {
    public func directoryAccount(userID: UUID) async throws -> BuiltinAccountState? {
        try await backend.read { db in
            try await db.raw("SELECT password_hash, password_changed_at, locked_at FROM directory_accounts WHERE user_id = \(bind: Row.id(userID))").first().map { row in
                BuiltinAccountState(passwordHash: try row.decodeNil(column: "password_hash") ? nil : try row.decode(column: "password_hash", as: String.self),
                                    passwordChangedAt: try row.decode(column: "password_changed_at", as: Int64?.self).map(Row.date),
                                    lockedAt: try row.decode(column: "locked_at", as: Int64?.self).map(Row.date))
            }
        }
    }

    public func setDirectoryPassword(userID: UUID, hash: String, at: Date) async throws {
        try await backend.write { db in
            try await db.raw("""
                INSERT INTO directory_accounts (user_id, password_hash, password_changed_at, locked_at)
                VALUES (\(bind: Row.id(userID)), \(bind: hash), \(bind: Row.millis(at)), NULL)
                ON CONFLICT (user_id) DO UPDATE SET password_hash = excluded.password_hash, password_changed_at = excluded.password_changed_at
                """).run()
        }
    }

    public func setDirectoryLock(userID: UUID, lockedAt: Date?) async throws {
        try await backend.write { db in
            try await db.raw("""
                INSERT INTO directory_accounts (user_id, password_hash, password_changed_at, locked_at)
                VALUES (\(bind: Row.id(userID)), NULL, NULL, \(bind: lockedAt.map(Row.millis)))
                ON CONFLICT (user_id) DO UPDATE SET locked_at = excluded.locked_at
                """).run()
        }
    }
}
