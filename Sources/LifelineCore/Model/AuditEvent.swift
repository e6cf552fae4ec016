import Crypto
import Foundation

/// What an audit event is about before it is chained.
public struct AuditRecord: Sendable, Equatable {
    public var time: Date
    public var tenant: String?
    public var actor: String
    public var subject: String
    public var event: String
    public var outcome: String
    public var reason: String
    public var source: String

    public init(time: Date, tenant: String?, actor: String, subject: String, event: String, outcome: String, reason: String = "", source: String = "") {
        self.time = time; self.tenant = tenant; self.actor = actor; self.subject = subject
        self.event = event; self.outcome = outcome; self.reason = reason; self.source = source
    }

    /// The chain this record is appended to: its tenant's (`tenant:NAME`), or ``AuditChain/globalChain`` for an event
    /// without a tenant (server-level, CLI key operations). Why per tenant: appends of different tenants then take
    /// different head rows and do not wait for each other. Why the name: records carry the tenant's name, which is
    /// unique and never changes (tenants are not renamed), so no lookup is needed; the prefix keeps "global" and
    /// "legacy" apart from any tenant.
    public var chain: String { tenant.map { "tenant:" + $0 } ?? AuditChain.globalChain }
}

/// A chained audit event: its chain, its sequence number in that chain, its record, the hash of its predecessor, its own hash (an HMAC when
/// `macKeyID` names the key it was made with; plain SHA-256 for legacy events written before the chain was keyed).
public struct AuditEvent: Sendable, Equatable {
    /// The chain it belongs to (``AuditRecord/chain`` when it was appended; ``AuditChain/legacyChain`` for events
    /// written before there were chains per tenant).
    public var chain: String
    public var seq: Int64
    public var record: AuditRecord
    public var previousHash: String
    public var hash: String
    /// The id of the key-encryption key whose derived chain key made `hash`; nil for a legacy (unkeyed) event.
    public var macKeyID: String?

    public init(chain: String, seq: Int64, record: AuditRecord, previousHash: String, hash: String, macKeyID: String? = nil) {
        self.chain = chain; self.seq = seq; self.record = record; self.previousHash = previousHash; self.hash = hash; self.macKeyID = macKeyID
    }
}

/// The key that authenticates the audit chain: HKDF-derived from one key-encryption key and named by that key's id,
/// so that after `lifeline keys rotate` old events still verify with the key of their id.
public struct AuditKey: Sendable {
    /// The HKDF info of the chain key. Why its own purpose: no derived key serves two uses.
    public static let purpose = "lifeline audit chain v1"
    public let id: String
    let key: SymmetricKey

    public init(id: String, key: SymmetricKey) { self.id = id; self.key = key }

    /// The chain key of the ring's current key-encryption key (what new events are made with).
    public static func current(in ring: KeyRing) -> AuditKey { AuditKey(id: ring.currentID, key: ring.derivedKey(info: purpose)) }

    /// The chain key of the ring's key `id`, or nil when the ring has no such key.
    public static func named(_ id: String, in ring: KeyRing) -> AuditKey? {
        ring.derivedKey(info: purpose, keyID: id).map { AuditKey(id: id, key: $0) }
    }
}

/// The chain of the audit log. Why a chain: an edit changes an event's hash, a deletion breaks the predecessor link
/// or the sequence, so tampering is detected by ``verify(_:head:keys:)``. Why keyed (HMAC-SHA256 with a key derived
/// from the key-encryption key): with plain SHA-256 anyone who can write the database can recompute the chain after
/// an edit; without the key they cannot make a valid keyed event.
public enum AuditChain {
    /// The predecessor hash of the first event.
    public static let genesis = String(repeating: "0", count: 64)
    /// The chain of events without a tenant.
    public static let globalChain = "global"
    /// The chain that holds every event written before the log had one chain per tenant (migration 13 moved them
    /// there unchanged). Its events are hashed without a chain id, as they were made; it is closed: no record maps
    /// to it (``AuditRecord/chain`` is `tenant:…` or `global`), so nothing is appended to it any more.
    public static let legacyChain = "legacy"

    /// The hash of an event: SHA-256 (legacy, `key` nil) or HMAC-SHA256 under `key` over the predecessor's hash, the
    /// sequence number and every field, each length-prefixed so that no two different events serialize alike; the
    /// keyed form also covers the key id. `chain` (nil: the form of before there were chains, which the legacy chain
    /// keeps) is covered too. Why: an event moved into another tenant's chain, with its link and sequence number
    /// fitted, must not verify there.
    public static func hash(seq: Int64, record r: AuditRecord, previousHash: String, key: AuditKey? = nil, chain: String? = nil) -> String {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(256)
        func field(_ text: String) {
            var text = text
            text.withUTF8 { utf8 in
                bytes.append(contentsOf: String(utf8.count).utf8)
                bytes.append(0x3a)
                bytes.append(contentsOf: utf8)
            }
        }
        let millis = Int64((r.time.timeIntervalSince1970 * 1000).rounded())
        field(previousHash); field(String(seq)); field(String(millis)); field(r.tenant ?? "\u{0}"); field(r.actor)
        field(r.subject); field(r.event); field(r.outcome); field(r.reason); field(r.source)
        if let chain { bytes.append(0x23); field(chain) }
        guard let key else { return Hex.encode(SHA256.hash(data: bytes)) }
        field(key.id)
        return Hex.encode(HMAC<SHA256>.authenticationCode(for: bytes, using: key.key))
    }

    /// Makes the event that follows `previous` (nil for the first) in the record's chain, keyed with `key` (nil: the
    /// unkeyed form, tests only).
    public static func append(_ record: AuditRecord, after previous: (seq: Int64, hash: String)?, key: AuditKey? = nil) -> AuditEvent {
        let seq = (previous?.seq ?? 0) + 1
        let prev = previous?.hash ?? genesis
        let chain = record.chain
        return AuditEvent(chain: chain, seq: seq, record: record, previousHash: prev,
                          hash: hash(seq: seq, record: record, previousHash: prev, key: key, chain: chain), macKeyID: key?.id)
    }

    /// The hash `e` must have: over its chain id, except in the legacy chain (made before there were chain ids).
    public static func expectedHash(of e: AuditEvent, key: AuditKey?) -> String {
        hash(seq: e.seq, record: e.record, previousHash: e.previousHash, key: key, chain: e.chain == legacyChain ? nil : e.chain)
    }

    /// The first broken link of a chain, if any.
    public struct Break: Sendable, Equatable {
        public var seq: Int64
        public var reason: String
        /// The chain it is in (nil: not yet known to the core's verifier, which checks one chain).
        public var chain: String?
        public init(seq: Int64, reason: String, chain: String? = nil) { self.seq = seq; self.reason = reason; self.chain = chain }
    }

    /// The outcome of a verification.
    public struct Verification: Sendable {
        /// Events checked.
        public var count: Int
        /// Of those, legacy (unkeyed) events: they all precede the keyed ones.
        public var legacy: Int
        /// The first broken link, or nil.
        public var broken: Break?
        /// The last event checked (nil for an empty log).
        public var last: AuditEvent?
        /// The last event of each chain (verifying all chains; the whole log's verification fills it).
        public var heads: [String: AuditEvent]

        public init(count: Int, legacy: Int, broken: Break?, last: AuditEvent?, heads: [String: AuditEvent] = [:]) {
            self.count = count; self.legacy = legacy; self.broken = broken; self.last = last; self.heads = heads
        }
    }

    /// Checks events one by one in sequence order, so a long log is verified page by page.
    public struct Verifier {
        private var expectedSeq: Int64
        private var previous: String
        private var keyed: Bool
        private let keys: (String) -> AuditKey?
        public private(set) var count = 0
        public private(set) var legacy = 0
        public private(set) var broken: Break?
        public private(set) var last: AuditEvent?

        /// A verifier of the events after `start` (nil: from the first), which was verified before; `keys` gives the
        /// chain key of a key id.
        public init(after start: AuditEvent? = nil, keys: @escaping (String) -> AuditKey?) {
            expectedSeq = (start?.seq ?? 0) + 1
            previous = start?.hash ?? AuditChain.genesis
            keyed = start?.macKeyID != nil
            last = start
            self.keys = keys
        }

        /// Checks the next event; does nothing once a link is broken.
        public mutating func feed(_ e: AuditEvent) {
            guard broken == nil else { return }
            count += 1
            if e.seq != expectedSeq {
                broken = Break(seq: expectedSeq, reason: "event \(expectedSeq) is missing (found \(e.seq) next)")
                return
            }
            if e.previousHash != previous {
                broken = Break(seq: e.seq, reason: "its link to event \(e.seq - 1) does not match")
                return
            }
            let key: AuditKey?
            if let id = e.macKeyID {
                guard let k = keys(id) else {
                    broken = Break(seq: e.seq, reason: "it was keyed with key \(id), which is not in the key ring")
                    return
                }
                key = k
                keyed = true
            } else {
                // Why: once the chain is keyed, an unkeyed event is a downgrade, which anyone with the database could forge.
                guard !keyed else {
                    broken = Break(seq: e.seq, reason: "it is unkeyed (plain SHA-256) after keyed events: forged or downgraded")
                    return
                }
                key = nil
                legacy += 1
            }
            if !ConstantTime.equals(expectedHash(of: e, key: key), e.hash) {
                broken = Break(seq: e.seq, reason: "its content does not match its \(key == nil ? "hash" : "MAC") (edited)")
                return
            }
            previous = e.hash
            expectedSeq += 1
            last = e
        }

        /// The result, checked against the recorded head (last seq and hash).
        public func finish(head: (seq: Int64, hash: String)?) -> Verification {
            var result = Verification(count: count, legacy: legacy, broken: broken, last: last)
            guard broken == nil, let head else { return result }
            let lastSeq = expectedSeq - 1
            if head.seq != lastSeq || (lastSeq > 0 && head.hash != previous) {
                result.broken = Break(seq: lastSeq + 1, reason: "the chain ends at event \(lastSeq) but its head records \(head.seq) (tail deleted)")
            }
            return result
        }
    }

    /// Checks events in sequence order against each other and against the recorded head (last seq and hash).
    public static func verify(_ events: some Sequence<AuditEvent>, head: (seq: Int64, hash: String)?,
                              keys: @escaping (String) -> AuditKey? = { _ in nil }) -> Verification {
        var verifier = Verifier(keys: keys)
        for e in events { verifier.feed(e) }
        return verifier.finish(head: head)
    }
}
