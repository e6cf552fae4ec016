import Crypto
import Foundation

/// The constructions of offline authentication (issue 17), shared by the server (which builds a laptop's offline data)
/// and the agent (which verifies a passcode with that data while the server is unreachable), so that both compute
/// every byte with one implementation. The construction, the cost of an offline attack on it and fixed test vectors
/// are in `docs/offline-construction.md`.
///
/// One time step's entry is a **tag** of `tagBytes` bytes:
///
///     tag(t) = first tagBytes bytes of SHA-256( "lifeline-offline-v1" ‖ 0 ‖ salt(32) ‖ u64be(t) ‖ u8(len) ‖ passcode ‖ u32be(r) )
///
/// - `passcode` is what the user types: PIN ‖ tokencode for a token with a PIN, the tokencode alone otherwise.
/// - `salt` is 32 random bytes per issued window (per user, token and machine), so that no two machines' data share a
///   precomputation and nothing in one window says anything about another's.
/// - `r` is a **hidden value**, drawn by the server uniformly from `0 ..< 2^hiddenBits` for every step and never
///   stored. The server hashes once per step; a verifier (the agent, or an attacker who took the laptop) must try every
///   `r` for each passcode it tries. Why: the server's cost per download stays one hash per step (40,320 steps for
///   14 days must cost at most 50 ms of CPU), while each offline guess costs `2^hiddenBits` hashes.
/// - Why `r` last: the hasher's state after the fixed prefix is computed once per (step, passcode) and copied for each
///   `r`, so one `r` costs one SHA-256 compression.
///
/// Why truncated tags: the whole window must fit the download budget (at most 1 MB for 14 days); with a 5-byte tag a
/// wrong passcode matches some `r` of one step with probability `2^hiddenBits / 2^40`.
public enum OfflineConstruction {
    /// The version of the construction, written in every ``OfflineData``.
    public static let version = 1
    /// The domain label of a step's tag.
    public static let tagLabel = "lifeline-offline-v1"
    /// The domain label of an offline emergency access tokencode's verifier.
    public static let emergencyLabel = "lifeline-offline-emergency-v1"
    /// Bytes of one step's tag.
    public static let tagBytes = 5
    /// Bits of the hidden value per step (the server's default).
    public static let hiddenBits = 16
    /// Bytes of the per-window salt.
    public static let saltBytes = 32
    /// Steps on either side of the laptop's current step that a verification accepts (its clock may be off).
    public static let clockWindow: Int64 = 1

    /// The time step of a Unix time for `period`-second steps (floor division, also before 1970).
    public static func step(unixTime: Int64, period: Int64) -> Int64 {
        unixTime >= 0 ? unixTime / period : (unixTime - period + 1) / period
    }

    /// The hasher after the fixed prefix of step `step`'s tag input for `passcode` (everything but `r`).
    public static func prefix(salt: [UInt8], step: Int64, passcode: String) -> SHA256 {
        var h = SHA256()
        h.update(data: Array(tagLabel.utf8) + [0])
        h.update(data: salt)
        h.update(data: bigEndian(UInt64(bitPattern: step)))
        let p = Array(passcode.utf8)
        h.update(data: [UInt8(truncatingIfNeeded: p.count)])
        h.update(data: p)
        return h
    }

    /// The tag of `step` for `passcode` and hidden value `hidden`.
    public static func tag(salt: [UInt8], step: Int64, passcode: String, hidden: UInt32) -> [UInt8] {
        tag(prefix: prefix(salt: salt, step: step, passcode: passcode), hidden: hidden)
    }

    /// The tag from a prefix (``prefix(salt:step:passcode:)``) and the hidden value.
    public static func tag(prefix: SHA256, hidden: UInt32) -> [UInt8] {
        var h = prefix
        h.update(data: bigEndian(hidden))
        return Array(Array(h.finalize()).prefix(tagBytes))
    }

    /// The tags of many steps of one window, with no allocation per step: the server builds 40,320 of them for one
    /// download of 14 days. The same bytes as ``tag(salt:step:passcode:hidden:)``, which the tests compare.
    ///
    /// Measured (`benchmarks/offline-builder.sh`, -O, 40,320 steps, A/B on 2026-12-08 on the shared 2-core machine):
    /// the server's builder took 63–65 ms of CPU per download through ``tag(salt:step:passcode:hidden:)`` (five small
    /// arrays per step) and 26–28 ms with this type and the pre-keyed HMAC (docs/offline.md).
    public struct Tagger: Sendable {
        /// The hasher after `"lifeline-offline-v1" ‖ 0 ‖ salt` (52 bytes: still in its buffer, so copying it is cheap).
        let base: SHA256

        /// Prepares the tags of the window whose salt is `salt`.
        public init(salt: [UInt8]) {
            var h = SHA256()
            h.update(data: Array(tagLabel.utf8) + [0])
            h.update(data: salt)
            base = h
        }

        /// Appends the ``tagBytes``-byte tag of `step` for `passcode` (its UTF-8 bytes, at most 255) and `hidden` to `out`.
        public func appendTag(step: Int64, passcode: UnsafeRawBufferPointer, hidden: UInt32, to out: inout [UInt8]) {
            precondition(passcode.count <= 255, "a passcode is at most 255 bytes")
            var h = base
            withUnsafeBytes(of: UInt64(bitPattern: step).bigEndian) { h.update(bufferPointer: $0) }
            withUnsafeBytes(of: UInt8(passcode.count)) { h.update(bufferPointer: $0) }
            h.update(bufferPointer: passcode)
            withUnsafeBytes(of: hidden.bigEndian) { h.update(bufferPointer: $0) }
            h.finalize().withUnsafeBytes { digest in
                for i in 0..<tagBytes { out.append(digest[i]) }
            }
        }
    }

    /// Whether some hidden value `r < 2^hiddenBits` makes `passcode`'s tag of `step` equal `expected`. Compares in
    /// constant time per candidate and always tries every `r` (why: the time must not tell at which `r`, or whether,
    /// it matched).
    public static func matches(expected: [UInt8], salt: [UInt8], step: Int64, passcode: String, hiddenBits: Int) -> Bool {
        guard expected.count == tagBytes, (0...24).contains(hiddenBits) else { return false }
        let p = prefix(salt: salt, step: step, passcode: passcode)
        var found: UInt8 = 0
        // The same bytes as `tag(prefix:hidden:)`, without its arrays (this loop is the whole cost of a verification).
        for r in 0..<(UInt32(1) << UInt32(hiddenBits)) {
            var h = p
            withUnsafeBytes(of: r.bigEndian) { h.update(bufferPointer: $0) }
            var diff: UInt8 = 0
            h.finalize().withUnsafeBytes { digest in
                for i in 0..<tagBytes { diff |= digest[i] ^ expected[i] }
            }
            found |= diff == 0 ? 1 : 0
        }
        return found == 1
    }

    /// The verifier of an offline emergency access tokencode (kind `tokencode` or `passcode`, ``OfflineEmergencyKind``):
    /// `SHA-256("lifeline-offline-emergency-v1" ‖ 0 ‖ kind ‖ 0 ‖ salt ‖ u8(len) ‖ input)`, where `input` is
    /// PIN ‖ code for the `tokencode` kind of a token with a PIN, and the code alone otherwise; the code in its
    /// canonical form (``canonicalEmergencyCode(_:)``). Why a fast hash is enough: the code has about 79 bits from a
    /// CSPRNG, so it cannot be searched, and a PIN in front of it only adds to that.
    public static func emergencyVerifier(salt: [UInt8], kind: String, input: String) -> [UInt8] {
        var h = SHA256()
        h.update(data: Array(emergencyLabel.utf8) + [0] + Array(kind.utf8) + [0])
        h.update(data: salt)
        let p = Array(input.utf8)
        h.update(data: [UInt8(truncatingIfNeeded: p.count)])
        h.update(data: p)
        return Array(h.finalize())
    }

    /// The alphabet of offline emergency access tokencodes: upper-case letters and digits without 0, 1, I, L, O
    /// (the online emergency codes' alphanumeric alphabet; 31 symbols).
    public static let emergencyAlphabet = Array("23456789ABCDEFGHJKMNPQRSTUVWXYZ")
    /// Symbols of an offline emergency access tokencode: 16 of 31 ≈ 79 bits, shown as four groups of four.
    public static let emergencyCodeLength = 16

    /// The canonical form of a typed emergency code: upper-cased, spaces and dashes removed; nil when what remains is
    /// not `emergencyCodeLength` symbols of the alphabet.
    public static func canonicalEmergencyCode(_ typed: String) -> String? {
        let s = typed.uppercased().filter { $0 != " " && $0 != "-" }
        guard s.count == emergencyCodeLength, s.allSatisfy({ emergencyAlphabet.contains($0) }) else { return nil }
        return s
    }

    /// `code` in groups of four (`ABCD-EFGH-JKMN-PQRS`), as the console shows it.
    public static func grouped(_ code: String) -> String {
        var out = ""
        for (i, c) in code.enumerated() {
            if i > 0, i % 4 == 0 { out.append("-") }
            out.append(c)
        }
        return out
    }

    static func bigEndian(_ v: UInt64) -> [UInt8] { (0..<8).map { UInt8(truncatingIfNeeded: v >> (56 - 8 * UInt64($0))) } }
    static func bigEndian(_ v: UInt32) -> [UInt8] { (0..<4).map { UInt8(truncatingIfNeeded: v >> (24 - 8 * UInt32($0))) } }
}

/// The two kinds of offline emergency access tokencode (seed 003, as RSA has them).
public enum OfflineEmergencyKind: String, Sendable, Codable, CaseIterable {
    /// Replaces the tokencode (the token is lost): typed after the PIN for a token with a PIN, alone for a token without.
    case tokencode
    /// Replaces PIN and tokencode (the PIN is forgotten): typed alone.
    case passcode
}
