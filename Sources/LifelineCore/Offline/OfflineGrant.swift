import Foundation

/// One window of offline data issued to one machine for one user's token (issue 17): the server's record of which
/// window it issued to which machine. The data itself (tags) is never stored; the refill token only as its SHA-256.
public struct OfflineGrant: Sendable, Equatable, Identifiable {
    public var id: UUID
    public var tenantID: UUID
    public var userID: UUID
    public var tokenID: UUID
    public var agentID: UUID
    /// The machine name the agent gave.
    public var machine: String
    /// The window: steps `firstStep ..< firstStep + steps` of `period` seconds; nothing is accepted after `expiresAt`.
    public var firstStep: Int64
    public var steps: Int
    public var period: Int
    public var issuedAt: Date
    public var expiresAt: Date
    /// SHA-256 of the refill token (32 bytes). Why a fast hash: the token has 256 bits from a CSPRNG.
    public var refillHash: [UInt8]
    /// The token's PIN sealed under a key derived from the refill token (HKDF-SHA256, info `lifeline offline pin v1`;
    /// AES-256-GCM, the grant id as associated data), so that a refill can rebuild PIN ‖ tokencode tags while the server
    /// alone cannot read the PIN at rest: the refill token is only on the laptop. nil for a token without a PIN.
    public var sealedPIN: [UInt8]?
    /// What the data was derived from: the fingerprint of the token (id, secret, PIN verifier, state) and of the
    /// tenant's offline policy when it was issued (``OfflinePolicy/fingerprint``). A refill or authentication whose
    /// current fingerprints differ revokes the grant ("ends at the next contact").
    public var tokenFingerprint: String
    public var policyFingerprint: String
    /// When it stopped being live, and why (`refilled`, `replaced`, `policy_changed`, `token_changed`, `agent_revoked`,
    /// `revoked`); nil: live.
    public var endedAt: Date?
    public var endedReason: String?

    public init(id: UUID, tenantID: UUID, userID: UUID, tokenID: UUID, agentID: UUID, machine: String, firstStep: Int64, steps: Int,
                period: Int, issuedAt: Date, expiresAt: Date, refillHash: [UInt8], sealedPIN: [UInt8]?, tokenFingerprint: String,
                policyFingerprint: String, endedAt: Date? = nil, endedReason: String? = nil) {
        self.id = id; self.tenantID = tenantID; self.userID = userID; self.tokenID = tokenID; self.agentID = agentID
        self.machine = machine; self.firstStep = firstStep; self.steps = steps; self.period = period; self.issuedAt = issuedAt
        self.expiresAt = expiresAt; self.refillHash = refillHash; self.sealedPIN = sealedPIN
        self.tokenFingerprint = tokenFingerprint; self.policyFingerprint = policyFingerprint
        self.endedAt = endedAt; self.endedReason = endedReason
    }

    /// Live: not ended (expiry is the agent's to enforce offline; the server also refuses a refill after it).
    public var isLive: Bool { endedAt == nil }
}
