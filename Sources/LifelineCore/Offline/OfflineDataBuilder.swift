import Foundation
import LifelineAuthenticatorKit

/// Builds the tags of one window of offline data (``OfflineConstruction``): for each step, the token's tokencode (its
/// drift applied), the passcode (PIN ‖ tokencode, or the tokencode alone), a hidden value from the CSPRNG, and the
/// truncated tag. Public so that the benchmark can time one download (14 days of 30-s steps: 40,320 steps).
///
/// Why the server's cost stays low: one HMAC (the tokencode) and one SHA-256 (the tag) per step; the hidden values
/// are drawn from the CSPRNG in one call. The hidden values are never kept: the verifier searches them.
public struct OfflineDataBuilder: Sendable {
    /// One built window: its salt and the concatenated tags.
    public struct Window: Sendable, Equatable {
        /// The window's salt (``OfflineConstruction/saltBytes`` random bytes).
        public var salt: [UInt8]
        /// The tags of steps `firstStep ..< firstStep + steps`, ``OfflineConstruction/tagBytes`` bytes each, concatenated.
        public var tags: [UInt8]
        /// The first step covered.
        public var firstStep: Int64
        /// How many steps the window covers.
        public var steps: Int
    }

    let random: any RandomSource
    let hiddenBits: Int

    /// `hiddenBits` (0–24): bits of each step's hidden value (``OfflineConstruction/hiddenBits``).
    public init(random: any RandomSource, hiddenBits: Int = OfflineConstruction.hiddenBits) {
        self.random = random; self.hiddenBits = min(max(hiddenBits, 0), 24)
    }

    /// The window of `steps` steps from `firstStep` for a TOTP token with `secret`, `algorithm`, `digits` and `drift`
    /// (steps its clock is ahead: at time step `t` the token shows the code of counter `t + drift`); `pin`: the token's
    /// PIN, typed before the tokencode (nil: none).
    public func build(secret: [UInt8], algorithm: OTPAlgorithm, digits: Int, drift: Int64, pin: String?, firstStep: Int64,
                      steps: Int) -> Window {
        let salt = random.bytes(OfflineConstruction.saltBytes)
        let width = (hiddenBits + 7) / 8
        let hidden = width == 0 ? [] : random.bytes(width * steps)
        let mask: UInt32 = hiddenBits == 0 ? 0 : (UInt32(1) << UInt32(hiddenBits)) &- 1
        let keyed = OTPKeyedMAC(algorithm: algorithm, key: secret)
        let tagger = OfflineConstruction.Tagger(salt: salt)
        // The passcode of each step in one buffer: the PIN, then the step's digits written in place. Why not strings:
        // the allocations per step were most of a download's CPU (benchmarks/offline-builder.sh; docs/offline.md).
        let pinBytes = Array((pin ?? "").utf8)
        var passcode = pinBytes + [UInt8](repeating: UInt8(ascii: "0"), count: digits)
        let modulus = (0..<digits).reduce(UInt32(1)) { r, _ in r * 10 }
        var tags: [UInt8] = []
        tags.reserveCapacity(steps * OfflineConstruction.tagBytes)
        for i in 0..<steps {
            let step = firstStep + Int64(i)
            // The same digits as HOTP.code (RFC 4226: the truncated value modulo 10^digits, zero-padded).
            var value = keyed.truncated(counter: UInt64(bitPattern: step &+ drift)) % modulus
            for k in stride(from: passcode.count - 1, through: pinBytes.count, by: -1) {
                passcode[k] = UInt8(ascii: "0") + UInt8(value % 10)
                value /= 10
            }
            var r: UInt32 = 0
            for j in 0..<width { r = (r << 8) | UInt32(hidden[i * width + j]) }
            passcode.withUnsafeBytes { tagger.appendTag(step: step, passcode: $0, hidden: r & mask, to: &tags) }
        }
        return Window(salt: salt, tags: tags, firstStep: firstStep, steps: steps)
    }
}
