import Foundation

/// An issued activation: the SHA-256 of its single-use code (never the code), for whom, until when.
///
/// Why a fast hash is enough: the code is 128 bits from the CSPRNG, so no one can search for it from its hash.
public struct AuthenticatorActivation: Sendable, Equatable, Identifiable {
    public var id: UUID
    /// Lowercase hex SHA-256 of the code's text (``AuthenticatorRules/activationCodeHash(_:)``); unique.
    public var codeHash: String
    public var tenantID: UUID
    public var userID: UUID
    /// The operator (or API key) that issued it.
    public var issuedBy: String
    public var createdAt: Date
    /// 10 minutes after `createdAt` (NIST SP 800-63B-4 §4.1.2.2).
    public var expiresAt: Date
    /// When an app used it; a used activation is never accepted again.
    public var usedAt: Date?

    public init(id: UUID, codeHash: String, tenantID: UUID, userID: UUID, issuedBy: String, createdAt: Date, expiresAt: Date, usedAt: Date? = nil) {
        self.id = id; self.codeHash = codeHash; self.tenantID = tenantID; self.userID = userID; self.issuedBy = issuedBy
        self.createdAt = createdAt; self.expiresAt = expiresAt; self.usedAt = usedAt
    }
}

/// What completing an activation writes (``AuthenticatorStore/completeActivation(_:now:maxPINFailures:outboxIfReplaced:audit:)``).
public struct AuthenticatorEnrolment: Sendable, Equatable {
    /// The activation claimed (single use).
    public var activationID: UUID
    /// The new app, inserted; nil when an app already known adds this organization (then `link.deviceID` names it).
    public var newDevice: AuthenticatorDevice?
    /// The new link (state active).
    public var link: AuthenticatorLink

    public init(activationID: UUID, newDevice: AuthenticatorDevice?, link: AuthenticatorLink) {
        self.activationID = activationID; self.newDevice = newDevice; self.link = link
    }
}

/// What ``AuthenticatorStore/completeActivation(_:now:maxPINFailures:outboxIfReplaced:audit:)`` did.
public enum AuthenticatorEnrolmentResult: Sendable, Equatable {
    /// Written; `replaced` links (the user's previous app at the tenant, or this app's earlier link there) deactivated.
    case done(replaced: [UUID])
    /// The activation is unknown, used or expired: nothing written.
    case activationUnusable
    /// The existing app's PIN is blocked (every live link blocked) or its fail count reached the limit: nothing written.
    case pinBlocked
}
