import Foundation

/// The online code outstanding for a link: its hash, until when (120 s). One per link; a new one replaces it.
public struct AuthenticatorOnlineCode: Sendable, Equatable {
    public var linkID: UUID
    /// ``AuthenticatorRules/onlineCodeHash(_:linkID:)``.
    public var codeHash: String
    public var expiresAt: Date

    public init(linkID: UUID, codeHash: String, expiresAt: Date) { self.linkID = linkID; self.codeHash = codeHash; self.expiresAt = expiresAt }
}
