import Foundation

/// The state of an app at one organization.
public enum AuthenticatorLinkState: String, Sendable, Codable, CaseIterable {
    /// Gives valid online and offline codes.
    case active
    /// Blocked (3 wrong PINs block every link of the app; an operator's "Block PIN" blocks one): only the organization's
    /// UBC (online, or the 9-digit code at validate) or an operator-held PIN reset unblocks it.
    case blocked
    /// Replaced by a newer app of the same user at the organization: never gives a valid code again.
    case deactivated
}

/// Why a link is blocked (kept for the console and the audit; the rules do not depend on it).
public enum AuthenticatorBlockReason: String, Sendable, Codable {
    /// Three consecutive wrong PINs.
    case pinFailures = "pin_failures"
    /// An operator's "Block PIN" at this organization.
    case operatorBlock = "operator"
}

/// One app at one organization (tenant) for one user: the organization's key and the link's state. Organization =
/// tenant; a user has at most one link that is not ``AuthenticatorLinkState/deactivated`` per tenant.
public struct AuthenticatorLink: Sendable, Equatable, Identifiable {
    public var id: UUID
    public var deviceID: UUID
    public var tenantID: UUID
    public var userID: UUID
    /// The organization key (32 bytes, made by the server at activation), sealed under
    /// ``AuthenticatorSealing/orgKeyContext(linkID:deviceID:tenantID:)``.
    public var orgKey: SealedSecret
    public var state: AuthenticatorLinkState
    public var blockedReason: AuthenticatorBlockReason?
    /// The last time step used by an offline code or an offline (9-digit) unblock code of this link: a later one must
    /// be above it (single use per step, no replay). nil: none used yet.
    public var lastStep: Int64?
    public var createdAt: Date
    public var blockedAt: Date?
    public var deactivatedAt: Date?

    public init(id: UUID, deviceID: UUID, tenantID: UUID, userID: UUID, orgKey: SealedSecret, state: AuthenticatorLinkState = .active,
                blockedReason: AuthenticatorBlockReason? = nil, lastStep: Int64? = nil, createdAt: Date, blockedAt: Date? = nil,
                deactivatedAt: Date? = nil) {
        self.id = id; self.deviceID = deviceID; self.tenantID = tenantID; self.userID = userID; self.orgKey = orgKey
        self.state = state; self.blockedReason = blockedReason; self.lastStep = lastStep; self.createdAt = createdAt
        self.blockedAt = blockedAt; self.deactivatedAt = deactivatedAt
    }

    /// Whether the PIN of an app is blocked: it has links and every one not deactivated is blocked (seed 002: "if all
    /// organizations are blocked, then this means that the PIN code is also blocked").
    public static func pinBlocked(_ links: [AuthenticatorLink]) -> Bool {
        let live = links.filter { $0.state != .deactivated }
        return !live.isEmpty && live.allSatisfy { $0.state == .blocked }
    }
}
