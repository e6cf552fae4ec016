import Foundation

/// One Lifeline Authenticator app (issue 16): its P-256 device key, its `pinKey` and the verifier of its one PIN (both
/// sealed), and the count of consecutive wrong PINs. An app has one link per organization (``AuthenticatorLink``).
///
/// Why the server keeps the PIN's verifier and not the device: "the PIN code is not saved in the app but encrypted on
/// a server" (seed 002), so a stolen phone gives no offline test of a PIN, and 3 wrong PINs are counted in one place.
public struct AuthenticatorDevice: Sendable, Equatable, Identifiable {
    public var id: UUID
    /// The device's P-256 public key, x9.63 uncompressed (65 bytes): verifies every signed request.
    public var publicKey: [UInt8]
    /// What the user called the app and its model (≤ 64 characters each).
    public var name: String
    public var model: String
    /// The app's `pinKey` (32 bytes), sealed under ``AuthenticatorSealing/pinKeyContext(deviceID:)``.
    public var pinKey: SealedSecret
    /// The PIN's verifier `V` (``AuthenticatorCode/pinVerifier(pinKey:pin:)``), sealed under
    /// ``AuthenticatorSealing/pinVerifierContext(deviceID:)``; replaced whenever the PIN changes.
    public var pinVerifier: SealedSecret
    /// The PIN's length (4–8): the unblock code's length is this + 5.
    public var pinLength: Int
    /// Consecutive wrong PINs (online, offline, or adding an organization). Reaching
    /// ``AuthenticatorRules/maxPINFailures`` blocks every link of the app; a correct PIN sets it to 0.
    public var pinFailures: Int
    public var createdAt: Date
    public var lastSeenAt: Date?

    public init(id: UUID, publicKey: [UInt8], name: String, model: String, pinKey: SealedSecret, pinVerifier: SealedSecret,
                pinLength: Int, pinFailures: Int = 0, createdAt: Date, lastSeenAt: Date? = nil) {
        self.id = id; self.publicKey = publicKey; self.name = name; self.model = model; self.pinKey = pinKey
        self.pinVerifier = pinVerifier; self.pinLength = pinLength; self.pinFailures = pinFailures; self.createdAt = createdAt
        self.lastSeenAt = lastSeenAt
    }
}
