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
}

/// A chained audit event: its sequence number, its record, the hash of its predecessor and its own hash.
public struct AuditEvent: Sendable, Equatable {
    public var seq: Int64
    public var record: AuditRecord
    public var previousHash: String
    public var hash: String

    public init(seq: Int64, record: AuditRecord, previousHash: String, hash: String) {
        self.seq = seq; self.record = record; self.previousHash = previousHash; self.hash = hash
    }
}

/// The hash chain of the audit log. Why a chain: an edit changes an event's hash, a deletion breaks the
/// predecessor link or the sequence, so tampering is detected by ``verify(_:head:)``.
public enum AuditChain {
    /// The predecessor hash of the first event.
    public static let genesis = String(repeating: "0", count: 64)

    /// SHA-256 over the predecessor's hash, the sequence number and every field, each length-prefixed so that
    /// no two different events serialize alike.
    public static func hash(seq: Int64, record r: AuditRecord, previousHash: String) -> String {
        var h = SHA256()
        let millis = Int64((r.time.timeIntervalSince1970 * 1000).rounded())
        for field in [previousHash, String(seq), String(millis), r.tenant ?? "\u{0}", r.actor, r.subject, r.event, r.outcome, r.reason, r.source] {
            let bytes = Array(field.utf8)
            h.update(data: Array(String(bytes.count).utf8) + [0x3a] + bytes)
        }
        return Hex.encode(h.finalize())
    }

    /// Makes the event that follows `previous` (nil for the first).
    public static func append(_ record: AuditRecord, after previous: (seq: Int64, hash: String)?) -> AuditEvent {
        let seq = (previous?.seq ?? 0) + 1
        let prev = previous?.hash ?? genesis
        return AuditEvent(seq: seq, record: record, previousHash: prev, hash: hash(seq: seq, record: record, previousHash: prev))
    }

    /// The first broken link of a chain, if any.
    public struct Break: Sendable, Equatable {
        public var seq: Int64
        public var reason: String
        public init(seq: Int64, reason: String) { self.seq = seq; self.reason = reason }
    }

    /// Checks events in sequence order against each other and against the recorded head (last seq and hash).
    public static func verify(_ events: some Sequence<AuditEvent>, head: (seq: Int64, hash: String)?) -> (count: Int, broken: Break?) {
        var expectedSeq: Int64 = 1
        var previous = genesis
        var count = 0
        for e in events {
            count += 1
            if e.seq != expectedSeq {
                return (count, Break(seq: expectedSeq, reason: "event \(expectedSeq) is missing (found \(e.seq) next)"))
            }
            if e.previousHash != previous {
                return (count, Break(seq: e.seq, reason: "its link to event \(e.seq - 1) does not match"))
            }
            if hash(seq: e.seq, record: e.record, previousHash: e.previousHash) != e.hash {
                return (count, Break(seq: e.seq, reason: "its content does not match its hash (edited)"))
            }
            previous = e.hash
            expectedSeq += 1
        }
        let lastSeq = expectedSeq - 1
        if let head, head.seq != lastSeq || (lastSeq > 0 && head.hash != previous) {
            return (count, Break(seq: lastSeq + 1, reason: "the chain ends at event \(lastSeq) but its head records \(head.seq) (tail deleted)"))
        }
        return (count, nil)
    }
}
