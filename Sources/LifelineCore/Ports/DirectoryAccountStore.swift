import Foundation

/// The built-in directory's record of a user: the password hash and the lock state.
public struct BuiltinAccountState: Sendable, Equatable {
    public var passwordHash: String?
    public var passwordChangedAt: Date?
    public var lockedAt: Date?
    public init(passwordHash: String?, passwordChangedAt: Date?, lockedAt: Date?) {
        self.passwordHash = passwordHash; self.passwordChangedAt = passwordChangedAt; self.lockedAt = lockedAt
    }
}

/// Storage of ``BuiltinDirectory``. Contract: each call is one atomic upsert; a user without a row has no
/// password and is not locked. Audit records of directory changes are written by the recovery service.
public protocol DirectoryAccountStore: Sendable {
    func directoryAccount(userID: UUID) async throws -> BuiltinAccountState?
    func setDirectoryPassword(userID: UUID, hash: String, at: Date) async throws
    /// Locks (a date) or unlocks (nil) the account.
    func setDirectoryLock(userID: UUID, lockedAt: Date?) async throws
}
