import Foundation

/// Whether a user may authenticate and recover.
public enum UserStatus: String, Sendable, Codable {
    case active, disabled
}

/// A person of a tenant. The username is unique per tenant, case-insensitively (`usernameKey`).
public struct User: Sendable, Equatable, Identifiable {
    public var id: UUID
    public var tenantID: UUID
    public var username: String
    public var displayName: String
    public var status: UserStatus
    /// A BCP 47 language tag (`en`, `cs`, `nb`).
    public var language: String
    public var createdAt: Date

    public init(id: UUID, tenantID: UUID, username: String, displayName: String, status: UserStatus, language: String, createdAt: Date) {
        self.id = id; self.tenantID = tenantID; self.username = username; self.displayName = displayName
        self.status = status; self.language = language; self.createdAt = createdAt
    }

    /// The key that makes usernames unique per tenant regardless of case.
    public var usernameKey: String { Validation.usernameKey(username) }
}
