import Crypto
import Foundation

/// The code constructions of the Lifeline Authenticator, shared by the app (this library) and the server (which
/// imports it), so that both compute the same digits from one implementation. The construction, its threat model and
/// fixed test vectors are in `docs/authenticator-codes.md`.
///
/// Keys (all 32 random bytes from a CSPRNG):
/// - `pinKey` (one per app): turns the PIN into its verifier `V = HMAC(pinKey, "lifeline-pin-v1" ‖ 0 ‖ PIN)`. The
///   app keeps `pinKey`, never the PIN; the server keeps `pinKey` and `V` sealed, never the PIN.
/// - `orgKey` (one per app and organization): the offline code and the 9-digit unblock code of that organization.
///
/// Why every digit comes from 64 bits (``digits(_:count:)``): reducing 64 bits modulo 10ⁿ (n ≤ 13) is biased by at
/// most 10¹³/2⁶⁴ ≈ 5·10⁻⁷, where the 31 bits of RFC 4226's dynamic truncation would bias an 8-digit PIN pad by ~5 %.
public enum AuthenticatorCode {
    /// Seconds per time step of the offline codes.
    public static let period: Int64 = 30
    /// Digits of the online and the offline code.
    public static let codeDigits = 8
    /// Digits of the unblock code's tag (the part that authenticates it): a forgery per tried step succeeds with
    /// probability 10⁻⁵, whatever the PIN's length.
    public static let tagDigits = 5
    /// The PIN lengths the constructions support.
    public static let pinLengths = 4...8

    /// The time step of a Unix time.
    public static func step(unixTime: Int64) -> Int64 { unixTime >= 0 ? unixTime / period : (unixTime - period + 1) / period }

    /// The PIN's verifier: what the app sends instead of the PIN and what the server stores (sealed).
    public static func pinVerifier(pinKey: [UInt8], pin: String) -> [UInt8] {
        mac(pinKey, label: "lifeline-pin-v1", Array(pin.utf8))
    }

    /// The offline code of `step`: 8 digits from the organization's key and the PIN's verifier, so a wrong PIN gives a
    /// wrong code.
    public static func offlineCode(orgKey: [UInt8], pinVerifier: [UInt8], step: Int64) -> String {
        digits(mac(orgKey, label: "offline", bigEndian(step) + pinVerifier), count: codeDigits)
    }

    /// The key of one unblocking code (UBC) at one organization: `K_u = HMAC(orgKey, "ubc" ‖ 0 ‖ org ‖ 0 ‖ UBC)`.
    /// `organization` is the organization's id as the activation gave it (the tenant's UUID, lowercase).
    public static func unblockKey(orgKey: [UInt8], organization: String, ubc: String) -> [UInt8] {
        mac(orgKey, label: "ubc", Array(organization.utf8) + [0] + Array(ubc.utf8))
    }

    /// The offline unblock code of `step`: `c ‖ tag`, where `c = (PIN + pad) mod 10ⁿ` hides the new n-digit PIN
    /// under a pad only the app and the server can compute, and the 5-digit tag authenticates step, length and `c`.
    /// 9 digits for a 4-digit PIN. Returns nil for a PIN that is not 4–8 digits.
    public static func unblockCode(orgKey: [UInt8], organization: String, ubc: String, newPIN: String, step: Int64) -> String? {
        guard pinLengths.contains(newPIN.utf8.count), newPIN.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }),
              let pin = UInt64(newPIN) else { return nil }
        let n = newPIN.utf8.count
        let key = unblockKey(orgKey: orgKey, organization: organization, ubc: ubc)
        let modulus = power10(n)
        let pad = value(mac(key, label: "pad", bigEndian(step) + [UInt8(n)])) % modulus
        let c = zeroPadded((pin + pad) % modulus, n)
        return c + tag(key: key, step: step, c: c)
    }

    /// The server's side of ``unblockCode(orgKey:organization:ubc:newPIN:step:)``: the new PIN when `code` is the
    /// unblock code of `step` (tag compared in constant time), else nil.
    public static func openUnblockCode(_ code: String, orgKey: [UInt8], organization: String, ubc: String, step: Int64) -> String? {
        let n = code.utf8.count - tagDigits
        guard pinLengths.contains(n), code.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) else { return nil }
        let c = String(code.prefix(n)), given = String(code.suffix(tagDigits))
        let key = unblockKey(orgKey: orgKey, organization: organization, ubc: ubc)
        guard constantTimeEquals(Array(tag(key: key, step: step, c: c).utf8), Array(given.utf8)), let cValue = UInt64(c) else { return nil }
        let modulus = power10(n)
        let pad = value(mac(key, label: "pad", bigEndian(step) + [UInt8(n)])) % modulus
        return zeroPadded((cValue + modulus - pad) % modulus, n)
    }

    // MARK: - Building blocks

    static func tag(key: [UInt8], step: Int64, c: String) -> String {
        digits(mac(key, label: "tag", bigEndian(step) + [UInt8(c.utf8.count)] + Array(c.utf8)), count: tagDigits)
    }

    /// HMAC-SHA-256 of `label ‖ 0 ‖ message` (the label separates the uses of one key).
    static func mac(_ key: [UInt8], label: String, _ message: [UInt8]) -> [UInt8] {
        var h = HMAC<SHA256>(key: SymmetricKey(data: key))
        h.update(data: Array(label.utf8) + [0] + message)
        return Array(h.finalize())
    }

    /// The first 8 bytes of a MAC as a big-endian integer.
    static func value(_ mac: [UInt8]) -> UInt64 { mac.prefix(8).reduce(0) { $0 << 8 | UInt64($1) } }

    /// `count` decimal digits (leading zeros kept) from the first 64 bits of `mac`.
    static func digits(_ mac: [UInt8], count: Int) -> String { zeroPadded(value(mac) % power10(count), count) }

    static func power10(_ n: Int) -> UInt64 { (0..<n).reduce(1) { r, _ in r * 10 } }

    static func zeroPadded(_ v: UInt64, _ n: Int) -> String {
        let s = String(v)
        return String(repeating: "0", count: max(0, n - s.count)) + s
    }

    static func bigEndian(_ v: Int64) -> [UInt8] { (0..<8).map { UInt8(truncatingIfNeeded: UInt64(bitPattern: v) >> (56 - 8 * UInt64($0))) } }

    /// Why constant time: an early exit would tell a forger how many leading tag digits were right.
    @inline(never)
    public static func constantTimeEquals(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        guard a.count == b.count else { return false }
        var diff: UInt8 = 0
        for (x, y) in zip(a, b) { diff |= x ^ y }
        return diff == 0
    }
}
