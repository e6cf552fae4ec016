import Foundation
import LifelineCore

extension InMemoryStore: AuditLog {
    public func append(_ record: AuditRecord) async throws {
        let key = try await auditKey()
        write { s in Self.append(record, key: key, to: &s) }
    }

    public func recentEvents(tenant: String?, limit: Int) async throws -> [AuditEvent] {
        read { s in
            Array(s.events.filter { tenant == nil || $0.record.tenant == tenant }
                .sorted { a, b in a.record.time != b.record.time ? a.record.time > b.record.time : a.chain != b.chain ? a.chain < b.chain : a.seq > b.seq }
                .prefix(limit))
        }
    }

    public func verifyChain(anchor: AuditAnchor?, after start: [String: AuditEvent]) async throws -> AuditChain.Verification {
        let ring = try await vault?.refreshed()
        if let anchor {
            guard let ring, anchor.isAuthentic(in: ring) else {
                throw LifelineError(.integrity, "the audit anchor is refused: its MAC does not match")
            }
        }
        let keys: @Sendable (String) -> AuditKey? = { id in ring.flatMap { AuditKey.named(id, in: $0) } }
        let (events, heads) = read { ($0.events, $0.heads) }
        var total = AuditChain.Verification(count: 0, legacy: 0, broken: nil, last: nil)
        for (chain, head) in heads.sorted(by: { $0.key < $1.key }) {
            var verifier = AuditChain.Verifier(after: start[chain], keys: keys)
            let anchored = anchor?.heads.first { $0.chain == chain }
            var anchoredHash: String? = start[chain].flatMap { $0.seq == anchored?.seq ? $0.hash : nil }
            for e in events where e.chain == chain && e.seq > (start[chain]?.seq ?? 0) {
                if e.seq == anchored?.seq { anchoredHash = e.hash }
                verifier.feed(e)
            }
            var result = verifier.finish(head: head)
            if result.broken == nil, let anchored, let anchor {
                result.broken = anchored.check(anchoredHash: anchoredHash, lastSeq: head.seq, time: anchor.time)
            }
            total.count += result.count
            total.legacy += result.legacy
            if let last = result.last { total.heads[chain] = last }
            if total.broken == nil, var broken = result.broken {
                broken.chain = chain
                total.broken = broken
            }
        }
        return total
    }

    public func anchorChain(time: Date, after start: [String: AuditEvent]) async throws -> (anchor: AuditAnchor?, verification: AuditChain.Verification) {
        var verification = try await verifyChain(anchor: nil, after: start)
        guard verification.broken == nil, let vault else { return (nil, verification) }
        verification.heads = start.merging(verification.heads) { _, new in new }
        return (AuditAnchor.make(heads: verification.heads, time: time, ring: try await vault.ring()), verification)
    }
}
