import Crypto
import Foundation
import LifelineAuthenticatorKit

/// The stored verifier of an OTP token's PIN (the privacyIDEA convention: the user types PIN ‖ OTP, or the PIN in a
/// field of its own): `HMAC-SHA256(K, token id ‖ 0 ‖ PIN)` with `K` derived from the key vault (``TokenPIN/keyInfo``),
/// kept with the id of the vault key it was made under, as `<key id>:<hex>`.
///
/// Why keyed and not a slow hash: a PIN has 10⁴–10⁸ values, so any hash a server can afford per validation falls to a
/// dictionary run over a dumped table in minutes; the vault key, which a database dump does not hold, is what protects
/// it. The HMAC costs microseconds, so validation with a PIN stays as fast as without (the benchmark's PIN mode).
/// Why the token id in the message: a verifier copied onto another token's row does not match there.
public struct TokenPINVerifier: Sendable, Equatable {
    /// The vault key the HMAC key was derived from.
    public var keyID: String
    /// The HMAC, hex.
    public var hash: String

    public init(keyID: String, hash: String) { self.keyID = keyID; self.hash = hash }

    /// The stored form, `<key id>:<hex>`.
    public var text: String { "\(keyID):\(hash)" }

    /// Reads the stored form; nil when it is not one.
    public init?(text: String) {
        guard let colon = text.lastIndex(of: ":"), colon != text.startIndex else { return nil }
        keyID = String(text[..<colon]); hash = String(text[text.index(after: colon)...])
        guard hash.utf8.count == 64 else { return nil }
    }
}

/// The rules of OTP token PINs: the form, the refused weak PINs, the verifier, and the limit of consecutive wrong PINs.
public enum TokenPIN {
    /// Consecutive wrong PINs after which the token's PIN is blocked: it accepts nothing until an administrator or the
    /// helpdesk resets the token or sets a new PIN. Why 3: the rule (as for the Lifeline Authenticator's PIN);
    /// with a 4-digit PIN an attacker holding the token passes with odds of at most 3/10⁴ (the weak PINs refused, a bit
    /// less than that per remaining PIN: 3/(10⁴ − 57)).
    public static let maxFailures = 3
    /// The lengths a PIN may have.
    public static let pinLengths = 4...8
    /// The HKDF purpose of the verifier's key.
    public static let keyInfo = "lifeline-token-pin-v1"

    /// Checks a PIN to be set: 4–8 ASCII digits and none of the weak PINs everyone tries first
    /// (``AuthenticatorPIN/weakPINs(length:)``, the rule the Lifeline Authenticator shares). Throws `invalidRequest`.
    public static func validated(_ pin: String) throws(LifelineError) -> String {
        guard AuthenticatorPIN.isWellFormed(pin) else { throw LifelineError(.invalidRequest, "pin must be 4 to 8 digits") }
        // Why refused: with 3 attempts, a thief's first three tries are these.
        guard !AuthenticatorPIN.isWeak(pin) else {
            throw LifelineError(.invalidRequest, "pin is too easy to guess (a repeated digit, a run like 1234, or a common PIN)")
        }
        return pin
    }

    /// Whether a submitted PIN has the form of one (4–8 ASCII digits): the `pin` field of a validation is refused with
    /// 400 otherwise, before any lookup (the same answer for every user).
    public static func isWellFormed(_ pin: String) -> Bool { AuthenticatorPIN.isWellFormed(pin) }

    /// The verifier of `pin` for `tokenID` under the ring's current key.
    public static func verifier(pin: String, tokenID: UUID, ring: KeyRing) -> TokenPINVerifier {
        TokenPINVerifier(keyID: ring.currentID, hash: Hex.encode(mac(pin: pin, tokenID: tokenID, key: ring.derivedKey(info: keyInfo))))
    }

    /// Whether `pin` matches `stored`, compared in constant time. Nil when the ring no longer has the key the verifier
    /// was made under (removed after rotation): the PIN cannot be checked, and the token accepts nothing until a new
    /// PIN is set. The same HMAC is computed either way.
    public static func matches(pin: String, tokenID: UUID, stored: TokenPINVerifier, ring: KeyRing) -> Bool? {
        let key = ring.derivedKey(info: keyInfo, keyID: stored.keyID)
        let computed = Hex.encode(mac(pin: pin, tokenID: tokenID, key: key ?? ring.derivedKey(info: keyInfo)))
        let equal = ConstantTime.equals(computed, stored.hash)
        return key == nil ? nil : equal
    }

    /// The decoy check for a code no token with a PIN checks: the same derivation and HMAC on a dummy, so that a user
    /// without such a token costs the same time.
    static func decoyWork(pin: String, ring: KeyRing) -> Bool {
        ConstantTime.equals(Hex.encode(mac(pin: pin, tokenID: UUID(uuid: nullUUIDBytes), key: ring.derivedKey(info: keyInfo))),
                            String(repeating: "0", count: 64))
    }

    static func mac(pin: String, tokenID: UUID, key: SymmetricKey) -> [UInt8] {
        var message = Array(tokenID.uuidString.lowercased().utf8)
        message.append(0)
        message.append(contentsOf: pin.utf8)
        return Array(HMAC<SHA256>.authenticationCode(for: message, using: key))
    }
}
