import Foundation

/// One issued window of offline data as the console and the admin API list it (never a secret).
public struct OfflineGrantView: Sendable, Equatable {
    public var id: UUID
    public var agentName: String
    public var machine: String
    public var tokenID: UUID
    public var issuedAt: Date
    public var expiresAt: Date
    /// `live`, `expired`, or the reason it ended (`refilled`, `replaced`, `policy_changed`, `token_changed`, `agent_revoked`, `revoked`).
    public var state: String
    public init(id: UUID, agentName: String, machine: String, tokenID: UUID, issuedAt: Date, expiresAt: Date, state: String) {
        self.id = id; self.agentName = agentName; self.machine = machine; self.tokenID = tokenID; self.issuedAt = issuedAt
        self.expiresAt = expiresAt; self.state = state
    }
}

/// A token's offline emergency access tokencodes as the console's "Manage emergency access tokencodes" page shows them
/// to an operator holding `offline_codes.read`.
public struct OfflineEmergencyView: Sendable, Equatable {
    public var tokenID: UUID
    /// Whether the tenant's policy lets this user download them (offline enabled, covers the user, `emergency_codes`).
    public var permitted: Bool
    /// The codes, grouped (`ABCD-EFGH-JKMN-PQRS`); nil when the token has none yet (they are made at the first
    /// download, or by a reset).
    public var tokencode: String?
    public var passcode: String?
    /// Whether the token needs its PIN before the `tokencode` kind (a token with a PIN: SecurID-style).
    public var needsPIN: Bool
    public var expiresAt: Date?
    /// Whether they were downloaded to a machine since they were made (false after a reset, until the next online
    /// authentication).
    public var downloaded: Bool
    public var onlineUse: Bool
    public init(tokenID: UUID, permitted: Bool, tokencode: String?, passcode: String?, needsPIN: Bool, expiresAt: Date?, downloaded: Bool, onlineUse: Bool) {
        self.tokenID = tokenID; self.permitted = permitted; self.tokencode = tokencode; self.passcode = passcode
        self.needsPIN = needsPIN; self.expiresAt = expiresAt; self.downloaded = downloaded; self.onlineUse = onlineUse
    }
}
