import Foundation
import LifelineCore
import SQLKit

extension SQLStore: AuditLog {
    public func append(_ record: AuditRecord) async throws {
        try await backend.write(lane: record.chain) { db in try await self.appendAudit(record, in: db) }
    }

    public func recentEvents(tenant: String?, limit: Int) async throws -> [AuditEvent] {
        try await backend.read { db in
            // Why by time: sequence numbers count per chain now; within one chain (and one millisecond) the later
            // sequence number comes first.
            let rows: [any SQLRow]
            if let tenant {
                rows = try await db.raw("SELECT * FROM audit_events WHERE tenant = \(bind: tenant) ORDER BY time DESC, chain, seq DESC LIMIT \(bind: Int64(limit))").all()
            } else {
                rows = try await db.raw("SELECT * FROM audit_events ORDER BY time DESC, chain, seq DESC LIMIT \(bind: Int64(limit))").all()
            }
            return try rows.map(Self.event(from:))
        }
    }

    public func verifyChain(anchor: AuditAnchor?, after start: [String: AuditEvent]) async throws -> AuditChain.Verification {
        // Keys by the id each event records: a rotated-out key still verifies the events it made. Re-read, so a key
        // added by `keys rotate` in another process is known.
        let ring = try await auditVault.withLock({ $0 })?.refreshed()
        if let anchor {
            // Why first: a forged anchor must not be taken as evidence either way.
            guard let ring, anchor.isAuthentic(in: ring) else {
                throw LifelineError(.integrity, "the audit anchor is refused: its MAC does not match (forged or altered, or made with key \(anchor.keyID), which is not in the key ring)")
            }
        }
        let keys: @Sendable (String) -> AuditKey? = { id in ring.flatMap { AuditKey.named(id, in: $0) } }
        return try await backend.read { db in
            // Every chain's head first, so events appended meanwhile (beyond it) are not mistaken for a broken tail.
            let heads = try await db.raw("SELECT chain, seq, hash FROM audit_heads ORDER BY chain").all().map { row in
                (chain: try row.decode(column: "chain", as: String.self), seq: try row.decode(column: "seq", as: Int64.self),
                 hash: try row.decode(column: "hash", as: String.self))
            }
            var total = AuditChain.Verification(count: 0, legacy: 0, broken: nil, last: nil)
            for head in heads {
                let result = try await Self.verify(chain: head.chain, head: (head.seq, head.hash), anchored: anchor?.heads.first { $0.chain == head.chain },
                                                   anchorTime: anchor?.time ?? "", after: start[head.chain], keys: keys, in: db)
                total.count += result.count
                total.legacy += result.legacy
                if let last = result.last { total.heads[head.chain] = last }
                if total.broken == nil, var broken = result.broken {
                    broken.chain = head.chain
                    total.broken = broken
                }
            }
            // A chain of the anchor that has no head any more: deleted whole (its events too, or they would show below).
            if total.broken == nil, let anchor {
                let known = Set(heads.map(\.chain))
                for anchored in anchor.heads where !known.contains(anchored.chain) {
                    if let broken = anchored.check(anchoredHash: nil, lastSeq: nil, time: anchor.time) {
                        total.broken = broken
                        break
                    }
                }
            }
            // Events of a chain that has no head row were not appended through a chain (one statement, so a chain
            // created meanwhile shows with its head: the head row and its first event commit together).
            if total.broken == nil, let orphan = try await db.raw("""
                SELECT chain, MIN(seq) AS s FROM audit_events WHERE chain NOT IN (SELECT chain FROM audit_heads) GROUP BY chain ORDER BY chain LIMIT 1
                """).first() {
                total.broken = AuditChain.Break(seq: try orphan.decode(column: "s", as: Int64.self),
                                                reason: "events were inserted into a chain that has no head", chain: try orphan.decode(column: "chain", as: String.self))
            }
            return total
        }
    }

    /// Verifies one chain up to `head`, from the start or after `start`, and against its `anchored` head if any.
    private static func verify(chain: String, head: (seq: Int64, hash: String), anchored: AuditAnchor.Head?, anchorTime: String,
                               after start: AuditEvent?, keys: @escaping @Sendable (String) -> AuditKey?,
                               in db: any SQLDatabase) async throws -> AuditChain.Verification {
        var verifier = AuditChain.Verifier(after: start, keys: keys)
        var anchoredHash: String? = start.flatMap { $0.seq == anchored?.seq ? $0.hash : nil }
        var after: Int64 = start?.seq ?? 0
        // Read in pages so a long chain does not have to fit in memory at once.
        while verifier.broken == nil {
            let page = try await db.raw("""
                SELECT * FROM audit_events WHERE chain = \(bind: chain) AND seq > \(bind: after) AND seq <= \(bind: head.seq) ORDER BY seq LIMIT 5000
                """).all()
            if page.isEmpty { break }
            for row in page {
                let e = try Self.event(from: row)
                if e.seq == anchored?.seq { anchoredHash = e.hash }
                verifier.feed(e)
                after = e.seq
            }
        }
        var result = verifier.finish(head: head)
        if result.broken == nil, let anchored {
            result.broken = anchored.check(anchoredHash: anchoredHash, lastSeq: head.seq, time: anchorTime)
        }
        let tail = try await db.raw("SELECT MAX(seq) AS m FROM audit_events WHERE chain = \(bind: chain)").first()
        let maxSeq = try tail.flatMap { try $0.decodeNil(column: "m") ? nil : try $0.decode(column: "m", as: Int64.self) } ?? 0
        if result.broken == nil, maxSeq > head.seq, head.seq == after {
            // Rows beyond the head that were not appended through the chain would be forgeries only if the
            // head did not move; a concurrent append moves it, so re-read before calling it broken.
            let again = try await db.raw("SELECT seq FROM audit_heads WHERE chain = \(bind: chain)").first()
            if let again, try again.decode(column: "seq", as: Int64.self) < maxSeq {
                result.broken = AuditChain.Break(seq: head.seq + 1, reason: "events beyond the chain head were inserted")
            }
        }
        return result
    }

    public func anchorChain(time: Date, after start: [String: AuditEvent]) async throws -> (anchor: AuditAnchor?, verification: AuditChain.Verification) {
        var verification = try await verifyChain(anchor: nil, after: start)
        // Why verified first: an anchor vouches for the heads, so a broken chain is never anchored.
        guard verification.broken == nil, let vault = auditVault.withLock({ $0 }) else { return (nil, verification) }
        // A chain with no events after `start` keeps the head verified before.
        verification.heads = start.merging(verification.heads) { _, new in new }
        return (AuditAnchor.make(heads: verification.heads, time: time, ring: try await vault.ring()), verification)
    }

    static func event(from row: any SQLRow) throws -> AuditEvent {
        let record = AuditRecord(
            time: Row.date(try row.decode(column: "time", as: Int64.self)),
            tenant: try row.decodeNil(column: "tenant") ? nil : try row.decode(column: "tenant", as: String.self),
            actor: try row.decode(column: "actor", as: String.self), subject: try row.decode(column: "subject", as: String.self),
            event: try row.decode(column: "event", as: String.self), outcome: try row.decode(column: "outcome", as: String.self),
            reason: try row.decode(column: "reason", as: String.self), source: try row.decode(column: "source", as: String.self))
        return AuditEvent(chain: try row.decode(column: "chain", as: String.self), seq: try row.decode(column: "seq", as: Int64.self), record: record,
                          previousHash: try row.decode(column: "prev_hash", as: String.self), hash: try row.decode(column: "hash", as: String.self),
                          macKeyID: try row.decodeNil(column: "mac_key_id") ? nil : try row.decode(column: "mac_key_id", as: String.self))
    }
}
