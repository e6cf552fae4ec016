import Foundation

/// What a validation (and the service) reads for a user at a tenant in one read
/// (``AuthenticatorStore/currentAuthenticator(tenantID:userID:)``).
public struct AuthenticatorCurrent: Sendable, Equatable {
    /// The user's live link at the tenant (active or blocked; never a deactivated one): the app that gives codes.
    public var link: AuthenticatorLink
    public var device: AuthenticatorDevice
    /// Every link of the device (all tenants, any state): whether its PIN is blocked (``AuthenticatorLink/pinBlocked(_:)``).
    public var deviceLinks: [AuthenticatorLink]
    /// The user's UBC at the tenant (any state; check ``AuthenticatorUBC/usable(at:)``).
    public var ubc: AuthenticatorUBC?
    /// The link's online code, if any: outstanding, or used (kept until replaced, to recognise a replay) — check
    /// ``AuthenticatorOnlineCode/usable(at:)``.
    public var onlineCode: AuthenticatorOnlineCode?

    public init(link: AuthenticatorLink, device: AuthenticatorDevice, deviceLinks: [AuthenticatorLink], ubc: AuthenticatorUBC?,
                onlineCode: AuthenticatorOnlineCode?) {
        self.link = link; self.device = device; self.deviceLinks = deviceLinks; self.ubc = ubc; self.onlineCode = onlineCode
    }

    /// Whether the app's PIN is blocked (every live link of it blocked).
    public var pinBlocked: Bool { AuthenticatorLink.pinBlocked(deviceLinks) }
}
