import Crypto
import Foundation

/// A copy of the audit chains' heads for the operator to keep outside the database: for each chain the last event's
/// sequence number and hash, when the anchor was taken, and a MAC over all of them under a key derived from the
/// key-encryption key `keyID`. Why: someone who can write the database can cut a chain's tail and move its head
/// back, or delete a whole chain; a later ``AuditChain`` verification against an anchor kept elsewhere shows that an
/// anchored event is gone or changed, or that an anchored chain disappeared, and the MAC shows that the anchor itself
/// was not forged.
///
/// Stored as JSON (version 2): `{"chains":[{"chain":"global","hash":"…","seq":12},…],"key_id":"k…","mac":"…",
/// "time":"2026-12-03T20:00:00Z","version":2}`, chains sorted by id. A version 1 anchor (one head, from before there
/// were chains per tenant: `{"version":1,"seq":12,"hash":"…",…}`) is still read and checked: its head is that of the
/// legacy chain, which holds every event of that time under its old sequence numbers.
public struct AuditAnchor: Sendable, Equatable, Codable {
    /// The HKDF info of the anchor key (its own purpose: an anchor MAC can never pass for a chain event's MAC).
    public static let purpose = "lifeline audit anchor v1"

    /// One chain's anchored head.
    public struct Head: Sendable, Equatable, Codable {
        public var chain: String
        /// The anchored event's sequence number in its chain (0: the chain was empty).
        public var seq: Int64
        /// The anchored event's hash (the genesis value for an empty chain).
        public var hash: String
        public init(chain: String, seq: Int64, hash: String) { self.chain = chain; self.seq = seq; self.hash = hash }
    }

    public var version: Int
    /// The anchored heads, sorted by chain.
    public var heads: [Head]
    /// When the anchor was taken, ISO 8601 in UTC.
    public var time: String
    /// The key-encryption key whose derived anchor key made `mac`.
    public var keyID: String
    /// HMAC-SHA256 over the fields above, hex.
    public var mac: String

    enum CodingKeys: String, CodingKey { case version, chains, seq, hash, time, keyID = "key_id", mac }

    public init(version: Int, heads: [Head], time: String, keyID: String, mac: String) {
        self.version = version; self.heads = heads; self.time = time; self.keyID = keyID; self.mac = mac
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        version = try c.decode(Int.self, forKey: .version)
        time = try c.decode(String.self, forKey: .time)
        keyID = try c.decode(String.self, forKey: .keyID)
        mac = try c.decode(String.self, forKey: .mac)
        if version == 1 {
            heads = [Head(chain: AuditChain.legacyChain, seq: try c.decode(Int64.self, forKey: .seq), hash: try c.decode(String.self, forKey: .hash))]
        } else {
            heads = try c.decode([Head].self, forKey: .chains)
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(version, forKey: .version)
        if version == 1, let head = heads.first {
            try c.encode(head.seq, forKey: .seq)
            try c.encode(head.hash, forKey: .hash)
        } else {
            try c.encode(heads, forKey: .chains)
        }
        try c.encode(time, forKey: .time)
        try c.encode(keyID, forKey: .keyID)
        try c.encode(mac, forKey: .mac)
    }

    /// The anchor of each chain's last event (`heads`, by chain; empty: the empty log), MACed with the ring's current key.
    public static func make(heads: [String: AuditEvent], time: Date, ring: KeyRing) -> AuditAnchor {
        let formatter = ISO8601DateFormatter()
        formatter.timeZone = TimeZone(identifier: "UTC")
        let sorted = heads.sorted { $0.key < $1.key }.map { Head(chain: $0.key, seq: $0.value.seq, hash: $0.value.hash) }
        var anchor = AuditAnchor(version: 2, heads: sorted, time: formatter.string(from: time), keyID: ring.currentID, mac: "")
        anchor.mac = anchor.computeMAC(key: ring.derivedKey(info: purpose))
        return anchor
    }

    /// Whether the MAC is right under the ring's key `keyID` (false also when the ring has no such key).
    public func isAuthentic(in ring: KeyRing) -> Bool {
        guard version == 1 || version == 2, let key = ring.derivedKey(info: Self.purpose, keyID: keyID) else { return false }
        return ConstantTime.equals(computeMAC(key: key), mac)
    }

    /// Version 1: the fields of its one head as they were; version 2: the number of heads, each head's chain, seq and
    /// hash, then time and key id, every field length-prefixed (so no two anchors serialize alike).
    private func computeMAC(key: SymmetricKey) -> String {
        var fields = [String(version)]
        if version == 1 {
            fields += [String(heads.first?.seq ?? 0), heads.first?.hash ?? ""]
        } else {
            fields.append(String(heads.count))
            for h in heads { fields += [h.chain, String(h.seq), h.hash] }
        }
        fields += [time, keyID]
        var bytes: [UInt8] = []
        for field in fields {
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
        guard let anchor = try? JSONDecoder().decode(AuditAnchor.self, from: data), anchor.version == 1 || anchor.version == 2 else {
            throw LifelineError(.invalidRequest, "the audit anchor is not valid JSON of version 1 or 2")
        }
        return anchor
    }
}

extension AuditAnchor.Head {
    /// Whether the chain, as verified, still contains this anchored head: nil if so, else the break to report.
    /// `anchoredHash` is the hash of event `seq` as found in the chain (nil when it has no such event), `lastSeq` the
    /// chain's last event (nil: the chain is gone, no head and no events).
    public func check(anchoredHash: String?, lastSeq: Int64?, time: String) -> AuditChain.Break? {
        if seq == 0 { return nil }
        guard let lastSeq else {
            return AuditChain.Break(seq: seq, reason: "the chain is gone, but the anchor of \(time) records it up to event \(seq) (chain deleted)", chain: chain)
        }
        guard seq <= lastSeq, let anchoredHash else {
            return AuditChain.Break(seq: seq, reason: "the chain ends at event \(lastSeq) but the anchor of \(time) records event \(seq) (tail cut)", chain: chain)
        }
        guard ConstantTime.equals(anchoredHash, hash) else {
            return AuditChain.Break(seq: seq, reason: "event \(seq) is not the one anchored at \(time) (changed since)", chain: chain)
        }
        return nil
    }
}
