import Crypto
import Foundation
import LifelineAuthenticatorKit

/// The rules of offline authentication on the server (issue 17): input shapes, the refill token, the sealing of the
/// PIN under it, the token fingerprint, and the offline emergency access tokencodes' generation and sealing.
public enum OfflineRules {
    /// Bytes of a refill token (256 bits from the CSPRNG).
    public static let refillTokenBytes = 32
    /// The HKDF purpose of the key that seals the PIN under a refill token.
    public static let pinKeyInfo = "lifeline offline pin v1"
    /// Consecutive wrong online attempts at a token's offline emergency access tokencodes after which their online use
    /// is switched off. Why 10: each code has about 79 bits, so 10 guesses are nothing to a guesser, while a user who
    /// mistypes a long code a few times is not locked out at once.
    public static let emergencyFailureLimit = 10
    /// Grants listed per user (newest first). Why bounded: one row per download, and a busy laptop refills daily.
    public static let grantListLimit = 100

    /// 1–`maxLength` printable characters (no control characters), not starting or ending with a space: an agent's name,
    /// a machine name.
    static func isPrintable(_ text: String, maxLength: Int) -> Bool {
        !text.isEmpty && text.count <= maxLength
            && !text.unicodeScalars.contains { $0.properties.generalCategory == .control || $0 == "\u{7f}" }
            && text.trimmingCharacters(in: .whitespaces) == text
    }

    /// An agent's name: trimmed, 1–64 printable characters. Throws `invalidRequest`.
    static func agentName(_ name: String) throws(LifelineError) -> String {
        let trimmed = name.trimmingCharacters(in: .whitespaces)
        guard isPrintable(trimmed, maxLength: 64) else { throw LifelineError(.invalidRequest, "an agent name is 1 to 64 printable characters") }
        return trimmed
    }

    /// Checks an agent request's user (1–255 characters), passcode (1–64 printable) and machine (1–64 printable).
    /// Why before any lookup: the answer to a malformed request is the same for every user.
    static func checkShapes(user: String, passcode: String?, machine: String) throws(LifelineError) {
        guard !user.isEmpty, user.count <= 255, (try? Validation.username(user)) != nil else {
            throw LifelineError(.invalidRequest, "user must be 1 to 255 characters without control characters")
        }
        if let passcode, !isPrintable(passcode, maxLength: 64) {
            throw LifelineError(.invalidRequest, "passcode must be 1 to 64 printable characters")
        }
        guard isPrintable(machine, maxLength: 64) else { throw LifelineError(.invalidRequest, "machine must be 1 to 64 printable characters") }
    }

    /// The refill token as presented (base64url without padding, 43 characters) from its bytes.
    static func encodeRefillToken(_ bytes: [UInt8]) -> String {
        Data(bytes).base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }

    /// The bytes of a presented refill token, or nil when it is not 43 base64url characters.
    static func decodeRefillToken(_ text: String) -> [UInt8]? {
        guard text.utf8.count == 43, text.utf8.allSatisfy({ $0 < 0x80 }) else { return nil }
        let b64 = text.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/") + "="
        guard let data = Data(base64Encoded: b64), data.count == refillTokenBytes else { return nil }
        return Array(data)
    }

    /// SHA-256 of a refill token (what the grant stores). Why a fast hash: the token has 256 bits from a CSPRNG.
    static func refillHash(_ token: [UInt8]) -> [UInt8] { Array(SHA256.hash(data: token)) }

    /// The key that seals the PIN of grant `grantID`: HKDF-SHA256 of the refill token. Why under the refill token: the
    /// server alone, at rest, cannot read the PIN; only the laptop's next refill brings the key back.
    static func pinKey(refillToken: [UInt8]) -> SymmetricKey {
        HKDF<SHA256>.deriveKey(inputKeyMaterial: SymmetricKey(data: refillToken), info: Array(pinKeyInfo.utf8), outputByteCount: 32)
    }

    /// The PIN sealed under the refill token (AES-256-GCM, combined nonce ‖ ciphertext ‖ tag; the grant id as associated data).
    static func sealPIN(_ pin: String, refillToken: [UInt8], grantID: UUID) throws -> [UInt8] {
        let box = try AES.GCM.seal(Array(pin.utf8), using: pinKey(refillToken: refillToken), authenticating: Array(grantID.uuidString.lowercased().utf8))
        guard let combined = box.combined else { throw LifelineError(.integrity, "cannot seal the PIN") }
        return Array(combined)
    }

    /// The PIN opened with the presented refill token, or nil when it does not open (another token, another grant).
    static func openPIN(_ sealed: [UInt8], refillToken: [UInt8], grantID: UUID) -> String? {
        guard let box = try? AES.GCM.SealedBox(combined: sealed),
              let plain = try? AES.GCM.open(box, using: pinKey(refillToken: refillToken), authenticating: Array(grantID.uuidString.lowercased().utf8))
        else { return nil }
        return String(decoding: plain, as: UTF8.self)
    }

    /// The fingerprint of what a token's offline data derives from: hex SHA-256 over its id, sealed secret, PIN verifier,
    /// state, digits, period and algorithm. Why: re-enrolment, a new PIN, a disable (lost) and a re-enable all change it,
    /// and a grant whose fingerprint differs has ended ("changing the user's token or PIN ends the offline data").
    static func tokenFingerprint(_ stored: StoredToken) -> String {
        let t = stored.token
        let text = ["v1", t.id.uuidString.lowercased(), stored.secret.text, stored.pin?.text ?? "", t.state.rawValue, String(t.digits),
                    String(t.period ?? 0), t.algorithm.rawValue].joined(separator: "\n")
        return Hex.encode(Array(SHA256.hash(data: Array(text.utf8))))
    }

    /// A new offline emergency access tokencode: 16 symbols of ``OfflineConstruction/emergencyAlphabet``, uniform
    /// (rejection sampling in ``RandomSource/string(length:alphabet:)``).
    static func newEmergencyCode(_ random: any RandomSource) -> String {
        random.string(length: OfflineConstruction.emergencyCodeLength, alphabet: OfflineConstruction.emergencyAlphabet)
    }

    /// The associated data of a token's sealed emergency code of `kind`: the token id, and the kind so that the two
    /// codes' ciphertexts cannot be swapped (nor either taken for the token's OTP secret).
    static func emergencySealContext(tokenID: UUID, kind: OfflineEmergencyKind) -> String {
        "offline-emergency|\(tokenID.uuidString.lowercased())|\(kind.rawValue)"
    }
}
