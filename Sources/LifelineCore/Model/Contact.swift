import Foundation

/// How a contact reaches the user.
public enum ContactKind: String, Sendable, Codable {
    case phone, email
}

/// A phone number (E.164) or an email address of a user, verified or not.
public struct Contact: Sendable, Equatable, Identifiable {
    public var id: UUID
    public var userID: UUID
    public var kind: ContactKind
    public var value: String
    public var verified: Bool
    public var createdAt: Date

    public init(id: UUID, userID: UUID, kind: ContactKind, value: String, verified: Bool, createdAt: Date) {
        self.id = id; self.userID = userID; self.kind = kind; self.value = value; self.verified = verified; self.createdAt = createdAt
    }
}
