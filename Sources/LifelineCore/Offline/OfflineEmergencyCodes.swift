import Foundation

/// A token's offline emergency access tokencodes (seed 003, issue 17): one of each ``OfflineEmergencyKind``, sealed
/// (the console shows them to the helpdesk, so they are encrypted, not hashed), with one expiry. They travel inside
/// the offline data as verifiers; with `onlineUse` `/api/v1/validate` accepts them too.
public struct OfflineEmergencyCodes: Sendable, Equatable {
    public var tokenID: UUID
    public var tenantID: UUID
    public var userID: UUID
    /// The `tokencode` kind (replaces the tokencode; after the PIN for a token with a PIN), sealed with the key ring,
    /// the token id as associated data.
    public var tokencode: SealedSecret
    /// The `passcode` kind (replaces PIN and tokencode), sealed likewise.
    public var passcode: SealedSecret
    public var createdAt: Date
    public var expiresAt: Date
    /// Whether `/api/v1/validate` accepts them ("Use offline code for online access"; default off).
    public var onlineUse: Bool
    /// When offline data carrying these codes was last issued; nil: not downloaded yet (after a reset, until the
    /// user's next online authentication).
    public var downloadedAt: Date?
    /// Consecutive wrong online attempts at them; at the limit online use is switched off.
    public var failures: Int

    public init(tokenID: UUID, tenantID: UUID, userID: UUID, tokencode: SealedSecret, passcode: SealedSecret, createdAt: Date,
                expiresAt: Date, onlineUse: Bool = false, downloadedAt: Date? = nil, failures: Int = 0) {
        self.tokenID = tokenID; self.tenantID = tenantID; self.userID = userID; self.tokencode = tokencode; self.passcode = passcode
        self.createdAt = createdAt; self.expiresAt = expiresAt; self.onlineUse = onlineUse; self.downloadedAt = downloadedAt
        self.failures = failures
    }
}
