import Crypto
import Foundation

/// A copy of the audit chain's head for the operator to keep outside the database: the last event's sequence
/// number and hash, when the anchor was taken, and a MAC over them under a key derived from the key-encryption key
/// `keyID`. Why: someone who can write the database can cut the log's tail and move the head back; a later
/// ``AuditChain`` verification against an anchor kept elsewhere shows that the anchored event is gone or changed,
/// and the MAC shows that the anchor itself was not forged.
///
/// Stored as JSON: `{"version":1,"seq":12,"hash":"…","time":"2026-12-03T20:00:00Z","key_id":"k…","mac":"…"}`.
public struct AuditAnchor: Sendable, Equatable, Codable {
    /// The HKDF info of the anchor key (its own purpose: an anchor MAC can never pass for a chain event's MAC).
    public static let purpose = "lifeline audit anchor v1"

    public var version: Int
    /// The anchored event's sequence number (0: the log was empty).
    public var seq: Int64
    /// The anchored event's hash (the genesis value for an empty log).
    public var hash: String
    /// When the anchor was taken, ISO 8601 in UTC.
    public var time: String
    /// The key-encryption key whose derived anchor key made `mac`.
    public var keyID: String
    /// HMAC-SHA256 over the fields above, hex.
    public var mac: String

    enum CodingKeys: String, CodingKey { case version, seq, hash, time, keyID = "key_id", mac }

    /// The anchor of `event` (nil: the empty log), MACed with the ring's current key.
    public static func make(for event: AuditEvent?, time: Date, ring: KeyRing) -> AuditAnchor {
        let formatter = ISO8601DateFormatter()
        formatter.timeZone = TimeZone(identifier: "UTC")
        var anchor = AuditAnchor(version: 1, seq: event?.seq ?? 0, hash: event?.hash ?? AuditChain.genesis,
                                 time: formatter.string(from: time), keyID: ring.currentID, mac: "")
        anchor.mac = anchor.computeMAC(key: ring.derivedKey(info: purpose))
        return anchor
    }

    /// Whether the MAC is right under the ring's key `keyID` (false also when the ring has no such key).
    public func isAuthentic(in ring: KeyRing) -> Bool {
        guard version == 1, let key = ring.derivedKey(info: Self.purpose, keyID: keyID) else { return false }
        return ConstantTime.equals(computeMAC(key: key), mac)
    }

    private func computeMAC(key: SymmetricKey) -> String {
        var bytes: [UInt8] = []
        for field in [String(version), String(seq), hash, time, keyID] {
            bytes += Array(String(field.utf8.count).utf8) + [0x3a] + Array(field.utf8)
        }
        return Hex.encode(HMAC<SHA256>.authenticationCode(for: bytes, using: key))
    }

    /// The JSON text (one line, keys sorted).
    public func json() -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return String(decoding: (try? encoder.encode(self)) ?? Data(), as: UTF8.self)
    }

    /// Parses the JSON text; throws ``LifelineError/Code/invalidRequest`` for anything else.
    public static func parse(_ data: Data) throws(LifelineError) -> AuditAnchor {
        guard let anchor = try? JSONDecoder().decode(AuditAnchor.self, from: data) else {
            throw LifelineError(.invalidRequest, "the audit anchor is not valid JSON of version 1")
        }
        return anchor
    }

    /// Whether the events, as verified, still contain the anchored head: nil if so, else the break to report.
    /// `anchoredHash` is the hash of event `seq` as found in the log (nil when the log has no such event), `lastSeq`
    /// the log's last event.
    public func check(anchoredHash: String?, lastSeq: Int64) -> AuditChain.Break? {
        if seq == 0 { return nil }
        guard seq <= lastSeq, let anchoredHash else {
            return AuditChain.Break(seq: seq, reason: "the log ends at event \(lastSeq) but the anchor of \(time) records event \(seq) (tail cut)")
        }
        guard ConstantTime.equals(anchoredHash, hash) else {
            return AuditChain.Break(seq: seq, reason: "event \(seq) is not the one anchored at \(time) (changed since)")
        }
        return nil
    }
}
