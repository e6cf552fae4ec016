import Foundation

/// The online code of a link: its hash, until when (120 s), and when it was used. One per link; a new one replaces it.
///
/// A used code is kept (marked ``usedAt``) until a new code replaces it or the link is blocked or deactivated, so that a
/// replay of it at validate is recognised as that code — refused, and counted nowhere — rather than taken for a wrong PIN.
public struct AuthenticatorOnlineCode: Sendable, Equatable {
    public var linkID: UUID
    /// ``AuthenticatorRules/onlineCodeHash(_:linkID:)``.
    public var codeHash: String
    public var expiresAt: Date
    /// When it was used at validate (single use), or nil while it is outstanding.
    public var usedAt: Date?

    public init(linkID: UUID, codeHash: String, expiresAt: Date, usedAt: Date? = nil) {
        self.linkID = linkID; self.codeHash = codeHash; self.expiresAt = expiresAt; self.usedAt = usedAt
    }

    /// Whether it can still be used at `now`: not used, not expired.
    public func usable(at now: Date) -> Bool { usedAt == nil && expiresAt > now }
}
