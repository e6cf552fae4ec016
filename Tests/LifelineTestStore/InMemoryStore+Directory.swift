import Foundation
import LifelineCore

extension InMemoryStore: DirectoryAccountStore {
    public func directoryAccount(userID: UUID) async throws -> BuiltinAccountState? { read { $0.directory[userID] } }

    public func setDirectoryPassword(userID: UUID, hash: String, at: Date) async throws {
        write { s in
            var a = s.directory[userID] ?? BuiltinAccountState(passwordHash: nil, passwordChangedAt: nil, lockedAt: nil)
            a.passwordHash = hash; a.passwordChangedAt = at
            s.directory[userID] = a
        }
    }

    public func setDirectoryLock(userID: UUID, lockedAt: Date?) async throws {
        write { s in
            var a = s.directory[userID] ?? BuiltinAccountState(passwordHash: nil, passwordChangedAt: nil, lockedAt: nil)
            a.lockedAt = lockedAt
            s.directory[userID] = a
        }
    }
}
