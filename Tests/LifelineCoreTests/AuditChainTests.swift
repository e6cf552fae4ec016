import Foundation
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
        events[1].hash = AuditChain.hash(seq: 2, record: events[1].record, previousHash: events[1].previousHash)
        #expect(AuditChain.verify(events, head: (4, events[3].hash)).broken?.seq == 3)
    }

    @Test func fieldsAreUnambiguous() {
        let t = Date(timeIntervalSince1970: 0)
        let a = AuditRecord(time: t, tenant: "a", actor: "bc", subject: "", event: "e", outcome: "o")
        let b = AuditRecord(time: t, tenant: "ab", actor: "c", subject: "", event: "e", outcome: "o")
        #expect(AuditChain.hash(seq: 1, record: a, previousHash: AuditChain.genesis) != AuditChain.hash(seq: 1, record: b, previousHash: AuditChain.genesis))
    }
}
