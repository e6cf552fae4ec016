import Foundation
import Crypto
import LifelineCore
import Testing

@Suite struct AuditChainTests {
    static func chain(_ n: Int) -> [AuditEvent] {
        var events: [AuditEvent] = []
        for i in 0..<n {
            let r = AuditRecord(time: Date(timeIntervalSince1970: Double(1_700_000_000 + i)), tenant: i % 2 == 0 ? "acme" : nil,
                                actor: "apikey:x", subject: "user\(i)", event: "validate", outcome: "accept", reason: "r\(i)", source: "127.0.0.1")
            events.append(AuditChain.append(r, after: events.last.map { ($0.seq, $0.hash) }))
        }
        return events
    }

    @Test func intactChainVerifies() {
        let events = Self.chain(5)
        let result = AuditChain.verify(events, head: (5, events[4].hash))
        #expect(result.count == 5)
        #expect(result.broken == nil)
    }

    @Test func editedEventIsDetected() {
        var events = Self.chain(5)
        events[2].record.outcome = "reject"
        #expect(AuditChain.verify(events, head: (5, events[4].hash)).broken?.seq == 3)
    }

    @Test func deletedEventIsDetected() {
        var events = Self.chain(5)
        events.remove(at: 1)
        #expect(AuditChain.verify(events, head: (5, events.last!.hash)).broken?.seq == 2)
    }

    @Test func deletedTailIsDetectedByTheHead() {
        let events = Self.chain(5)
        #expect(AuditChain.verify(events.dropLast(), head: (5, events[4].hash)).broken?.seq == 5)
    }

    @Test func rehashedEditBreaksTheNextLink() {
        var events = Self.chain(4)
        events[1].record.reason = "forged"
        events[1].hash = AuditChain.hash(seq: 2, record: events[1].record, previousHash: events[1].previousHash, chain: events[1].chain)
        #expect(AuditChain.verify(events, head: (4, events[3].hash)).broken?.seq == 3)
    }

    @Test func fieldsAreUnambiguous() {
        let t = Date(timeIntervalSince1970: 0)
        let a = AuditRecord(time: t, tenant: "a", actor: "bc", subject: "", event: "e", outcome: "o")
        let b = AuditRecord(time: t, tenant: "ab", actor: "c", subject: "", event: "e", outcome: "o")
        #expect(AuditChain.hash(seq: 1, record: a, previousHash: AuditChain.genesis) != AuditChain.hash(seq: 1, record: b, previousHash: AuditChain.genesis))
    }
}

@Suite("Keyed audit chain and anchors")
struct KeyedAuditChainTests {
    static let record = AuditRecord(time: Date(timeIntervalSince1970: 1_700_000_000.123), tenant: "acme", actor: "cli", subject: "alice",
                                    event: "test.event", outcome: "success", reason: "", source: "127.0.0.1")

    @Test("the legacy form is the plain SHA-256 of before (existing chains still verify); the keyed form is HMAC-SHA256 also over the key id")
    func vectors() {
        // Both computed independently with Python's hashlib/hmac over the length-prefixed fields.
        #expect(AuditChain.hash(seq: 1, record: Self.record, previousHash: AuditChain.genesis)
            == "ee4c0df79fff64c472b3e6a0fb384b5bc2ecd2fe822dd18106ca58d7b40f8753")
        let key = AuditKey(id: "k1", key: SymmetricKey(data: [UInt8](repeating: 0, count: 32)))
        #expect(AuditChain.hash(seq: 1, record: Self.record, previousHash: AuditChain.genesis, key: key)
            == "5a309d0c6c3f0889889f3b266a6bfdc5af0471ff86d2a07929a91ab93f74c58d")
    }

    @Test("a chain key is derived per key id: the old key's events verify after rotation, an unknown id does not")
    func keysByID() throws {
        let old = [UInt8](repeating: 1, count: 32), new = [UInt8](repeating: 2, count: 32)
        let oldID = KeyRing.deriveID(for: old), newID = KeyRing.deriveID(for: new)
        let before = try KeyRing(currentID: oldID, keys: [oldID: old])
        let after = try KeyRing(currentID: newID, keys: [oldID: old, newID: new])
        let first = AuditChain.append(Self.record, after: nil, key: AuditKey.current(in: before))
        let second = AuditChain.append(Self.record, after: (first.seq, first.hash), key: AuditKey.current(in: after))
        #expect(first.macKeyID == oldID && second.macKeyID == newID)
        #expect(AuditChain.verify([first, second], head: (2, second.hash), keys: { AuditKey.named($0, in: after) }).broken == nil)
        let missing = AuditChain.verify([first, second], head: (2, second.hash), keys: { AuditKey.named($0, in: before) })
        #expect(missing.broken?.seq == 2)
        #expect(missing.broken?.reason.contains("not in the key ring") == true)
    }

    @Test("an anchor's MAC covers every field; another key's anchor is refused")
    func anchorMAC() throws {
        let k = [UInt8](repeating: 3, count: 32), id = KeyRing.deriveID(for: k)
        let ring = try KeyRing(currentID: id, keys: [id: k])
        let event = AuditChain.append(Self.record, after: nil, key: AuditKey.current(in: ring))
        let global = AuditChain.append(AuditRecord(time: Date(timeIntervalSince1970: 0), tenant: nil, actor: "cli", subject: "k", event: "e", outcome: "o"),
                                       after: nil, key: AuditKey.current(in: ring))
        let anchor = AuditAnchor.make(heads: [event.chain: event, global.chain: global], time: Date(timeIntervalSince1970: 1_800_000_000), ring: ring)
        #expect(anchor.isAuthentic(in: ring))
        #expect(anchor.time == "2027-01-15T08:00:00Z")
        #expect(anchor.heads.map(\.chain) == ["global", "tenant:acme"])
        var altered = anchor; altered.heads[1].seq = 0
        #expect(!altered.isAuthentic(in: ring))
        altered = anchor; altered.heads[1].hash = AuditChain.genesis
        #expect(!altered.isAuthentic(in: ring))
        altered = anchor; altered.heads[1].chain = "tenant:beta"
        #expect(!altered.isAuthentic(in: ring))
        altered = anchor; altered.heads.removeFirst()
        #expect(!altered.isAuthentic(in: ring))
        altered = anchor; altered.time = "2030-01-01T00:00:00Z"
        #expect(!altered.isAuthentic(in: ring))
        let other = try KeyRing(currentID: id, keys: [id: [UInt8](repeating: 4, count: 32)])
        #expect(!anchor.isAuthentic(in: other))
        // The anchor key is not the chain key: an anchor's MAC cannot pass for an event's.
        #expect(ring.derivedKey(info: AuditAnchor.purpose) != ring.derivedKey(info: AuditKey.purpose))
    }

    @Test("the MAC covers the chain id: an event moved into another chain does not verify there; the legacy chain keeps the hash of before")
    func chainIDInMAC() throws {
        let key = AuditKey(id: "k1", key: SymmetricKey(data: [UInt8](repeating: 0, count: 32)))
        let acme = AuditChain.append(Self.record, after: nil, key: key)
        #expect(acme.chain == "tenant:acme")
        #expect(AuditChain.verify([acme], head: (1, acme.hash), keys: { _ in key }).broken == nil)
        var moved = acme; moved.chain = "tenant:beta"
        #expect(AuditChain.verify([moved], head: (1, acme.hash), keys: { _ in key }).broken?.reason.contains("edited") == true)
        // An event of before, moved into the legacy chain unchanged, verifies there (and only there).
        let before = AuditEvent(chain: AuditChain.legacyChain, seq: 1, record: Self.record, previousHash: AuditChain.genesis,
                                hash: AuditChain.hash(seq: 1, record: Self.record, previousHash: AuditChain.genesis, key: key), macKeyID: "k1")
        #expect(before.hash == "5a309d0c6c3f0889889f3b266a6bfdc5af0471ff86d2a07929a91ab93f74c58d")
        #expect(AuditChain.verify([before], head: (1, before.hash), keys: { _ in key }).broken == nil)
        var relabelled = before; relabelled.chain = "tenant:acme"
        #expect(AuditChain.verify([relabelled], head: (1, before.hash), keys: { _ in key }).broken != nil)
        #expect(AuditRecord(time: Self.record.time, tenant: nil, actor: "", subject: "", event: "", outcome: "").chain == AuditChain.globalChain)
    }

    @Test("a version 1 anchor (one head, from before the chains per tenant) is read as the legacy chain's head and its MAC still checks")
    func versionOneAnchor() throws {
        let k = [UInt8](repeating: 3, count: 32), id = KeyRing.deriveID(for: k)
        let ring = try KeyRing(currentID: id, keys: [id: k])
        let hash = String(repeating: "ab", count: 32), time = "2026-12-03T20:00:00Z"
        // The MAC as version 1 made it: the length-prefixed version, seq, hash, time and key id.
        var bytes: [UInt8] = []
        for field in ["1", "12", hash, time, id] { bytes += Array(String(field.utf8.count).utf8) + [0x3a] + Array(field.utf8) }
        let mac = Hex.encode(HMAC<SHA256>.authenticationCode(for: bytes, using: ring.derivedKey(info: AuditAnchor.purpose)))
        let json = #"{"hash":"\#(hash)","key_id":"\#(id)","mac":"\#(mac)","seq":12,"time":"\#(time)","version":1}"#
        let anchor = try AuditAnchor.parse(Data(json.utf8))
        #expect(anchor.heads == [AuditAnchor.Head(chain: AuditChain.legacyChain, seq: 12, hash: hash)])
        #expect(anchor.isAuthentic(in: ring))
        #expect(anchor.json() == json)
        var altered = anchor; altered.heads[0].seq = 11
        #expect(!altered.isAuthentic(in: ring))
    }
}
