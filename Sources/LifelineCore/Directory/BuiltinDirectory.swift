import Foundation

/// The embedded directory: passwords kept by Lifeline as slow salted hashes, with a lock state — so the demo
/// and small sites need no LDAP server. Every Lifeline user of the tenant who is active has an account.
public struct BuiltinDirectory: Directory {
    let tenantID: UUID
    let storage: any Storage
    let random: any RandomSource
    let clock: any LifelineClock

    public init(tenantID: UUID, storage: any Storage, random: any RandomSource, clock: any LifelineClock) {
        self.tenantID = tenantID; self.storage = storage; self.random = random; self.clock = clock
    }

    public func account(username: String) async throws -> DirectoryAccount? {
        guard let user = try await storage.user(tenantID: tenantID, username: Validation.usernameKey(username)), user.status == .active else { return nil }
        let state = try await storage.directoryAccount(userID: user.id)
        return DirectoryAccount(reference: user.id.uuidString.lowercased(), locked: state?.lockedAt != nil)
    }

    public func resetPassword(_ account: DirectoryAccount, newPassword: String) async throws {
        guard let id = UUID(uuidString: account.reference) else { throw DirectoryUnavailable("bad account reference") }
        let normalized = newPassword.precomposedStringWithCompatibilityMapping
        // Why: reusing the password that is being replaced (perhaps the one that leaked) is no reset at all.
        if let current = try await storage.directoryAccount(userID: id)?.passwordHash {
            if try await SlowHash.offloaded({ SlowHash.verify(normalized, against: current) }) { throw DirectoryRefusal.passwordInHistory }
        }
        let random = self.random
        let hash = try await SlowHash.offloaded { try SlowHash.hash(normalized, random: random) }
        try await storage.setDirectoryPassword(userID: id, hash: hash, at: clock.now())
    }

    public func unlock(_ account: DirectoryAccount) async throws {
        guard let id = UUID(uuidString: account.reference) else { throw DirectoryUnavailable("bad account reference") }
        try await storage.setDirectoryLock(userID: id, lockedAt: nil)
    }

    /// Whether `password` is the account's password (a "bind" against the built-in directory).
    public func verify(username: String, password: String) async throws -> Bool {
        guard let user = try await storage.user(tenantID: tenantID, username: Validation.usernameKey(username)),
              let hash = try await storage.directoryAccount(userID: user.id)?.passwordHash else { return false }
        let normalized = password.precomposedStringWithCompatibilityMapping
        return try await SlowHash.offloaded { SlowHash.verify(normalized, against: hash) }
    }
}
