import Foundation

/// An organization. Every user, token and key belongs to exactly one tenant.
public struct Tenant: Sendable, Equatable, Identifiable {
    public var id: UUID
    /// The stable, URL-safe name (`[a-z0-9][a-z0-9-]{0,62}`).
    public var name: String
    public var displayName: String
    public var createdAt: Date

    public init(id: UUID, name: String, displayName: String, createdAt: Date) {
        self.id = id; self.name = name; self.displayName = displayName; self.createdAt = createdAt
    }
}
