import Foundation

/// What sets a new PIN and unblocks one link (``AuthenticatorStore/setPIN(_:maxUBCFailures:now:outbox:audit:)``).
public struct AuthenticatorPINChange: Sendable, Equatable {
    /// What entitles the app to set a PIN without the old one.
    public enum Authority: Sendable, Equatable {
        /// The organization's UBC `id` (must still be usable; it is deleted: a used UBC is gone).
        case ubc(id: UUID)
        /// The PIN reset an operator holds open for the link's (tenant, user) (must still be open; it is closed).
        case operatorReset
    }

    public var authority: Authority
    public var linkID: UUID
    public var deviceID: UUID
    /// The new PIN's verifier, sealed under ``AuthenticatorSealing/pinVerifierContext(deviceID:)``, and its length.
    public var pinVerifier: SealedSecret
    public var pinLength: Int
    /// The time step of an offline (9-digit) unblock code: then the link's `lastStep` must be below it and becomes it
    /// (no replay). nil for the online unblock and the reset.
    public var step: Int64?

    public init(authority: Authority, linkID: UUID, deviceID: UUID, pinVerifier: SealedSecret, pinLength: Int, step: Int64? = nil) {
        self.authority = authority; self.linkID = linkID; self.deviceID = deviceID; self.pinVerifier = pinVerifier
        self.pinLength = pinLength; self.step = step
    }
}

/// A wrong PIN as ``AuthenticatorStore/recordWrongPIN(deviceID:maxFailures:now:audit:blockAudit:)`` counted it.
public struct AuthenticatorPINCount: Sendable, Equatable {
    /// The consecutive wrong PINs afterwards.
    public var failures: Int
    /// Whether this one reached the limit and blocked every link of the app.
    public var blocked: Bool
    public init(failures: Int, blocked: Bool) { self.failures = failures; self.blocked = blocked }
}
