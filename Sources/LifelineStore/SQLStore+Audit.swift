import Foundation
import LifelineCore
import SQLKit

extension SQLStore: AuditLog {
    public func append(_ record: AuditRecord) async throws {
        try await backend.write { db in try await self.appendAudit(record, in: db) }
    }

    public func recentEvents(tenant: String?, limit: Int) async throws -> [AuditEvent] {
        try await backend.read { db in
            let rows: [any SQLRow]
            if let tenant {
                rows = try await db.raw("SELECT * FROM audit_events WHERE tenant = \(bind: tenant) ORDER BY seq DESC LIMIT \(bind: Int64(limit))").all()
            } else {
                rows = try await db.raw("SELECT * FROM audit_events ORDER BY seq DESC LIMIT \(bind: Int64(limit))").all()
            }
            return try rows.map(Self.event(from:))
        }
    }

    public func verifyChain(anchor: AuditAnchor?, after start: AuditEvent?) async throws -> AuditChain.Verification {
        // Keys by the id each event records: a rotated-out key still verifies the events it made. Re-read, so a key
        // added by `keys rotate` in another process is known.
        let ring = try await auditVault.withLock({ $0 })?.refreshed()
        if let anchor {
            // Why first: a forged anchor must not be taken as evidence either way.
            guard let ring, anchor.isAuthentic(in: ring) else {
                throw LifelineError(.integrity, "the audit anchor is refused: its MAC does not match (forged or altered, or made with key \(anchor.keyID), which is not in the key ring)")
            }
        }
        // Read in pages so a long log does not have to fit in memory at once; the head is read first, so
        // events appended meanwhile (beyond it) are not mistaken for a broken tail.
        return try await backend.read { db in
            guard let headRow = try await db.raw("SELECT seq, hash FROM audit_head WHERE id = 1").first() else {
                return AuditChain.Verification(count: 0, legacy: 0, broken: AuditChain.Break(seq: 0, reason: "the chain head is missing"), last: nil)
            }
            let head = (seq: try headRow.decode(column: "seq", as: Int64.self), hash: try headRow.decode(column: "hash", as: String.self))
            var verifier = AuditChain.Verifier(after: start) { id in ring.flatMap { AuditKey.named(id, in: $0) } }
            var anchoredHash: String? = start.flatMap { $0.seq == anchor?.seq ? $0.hash : nil }
            var after: Int64 = start?.seq ?? 0
            while verifier.broken == nil {
                let page = try await db.raw("SELECT * FROM audit_events WHERE seq > \(bind: after) AND seq <= \(bind: head.seq) ORDER BY seq LIMIT 5000").all()
                if page.isEmpty { break }
                for row in page {
                    let e = try Self.event(from: row)
                    if e.seq == anchor?.seq { anchoredHash = e.hash }
                    verifier.feed(e)
                    after = e.seq
                }
            }
            var result = verifier.finish(head: head)
            if result.broken == nil, let anchor {
                result.broken = anchor.check(anchoredHash: anchoredHash, lastSeq: head.seq)
            }
            let tail = try await db.raw("SELECT MAX(seq) AS m FROM audit_events").first()
            let maxSeq = try tail.flatMap { try $0.decodeNil(column: "m") ? nil : try $0.decode(column: "m", as: Int64.self) } ?? 0
            if result.broken == nil, maxSeq > head.seq, head.seq == after {
                // Rows beyond the head that were not appended through the chain would be forgeries only if the
                // head did not move; a concurrent append moves it, so re-read before calling it broken.
                let again = try await db.raw("SELECT seq FROM audit_head WHERE id = 1").first()
                if let again, try again.decode(column: "seq", as: Int64.self) < maxSeq {
                    result.broken = AuditChain.Break(seq: head.seq + 1, reason: "events beyond the chain head were inserted")
                }
            }
            return result
        }
    }

    public func anchorChain(time: Date, after start: AuditEvent?) async throws -> (anchor: AuditAnchor?, verification: AuditChain.Verification) {
        let verification = try await verifyChain(anchor: nil, after: start)
        // Why verified first: an anchor vouches for the head, so a broken chain is never anchored.
        guard verification.broken == nil, let vault = auditVault.withLock({ $0 }) else { return (nil, verification) }
        return (AuditAnchor.make(for: verification.last, time: time, ring: try await vault.ring()), verification)
    }

    static func event(from row: any SQLRow) throws -> AuditEvent {
        let record = AuditRecord(
            time: Row.date(try row.decode(column: "time", as: Int64.self)),
            tenant: try row.decodeNil(column: "tenant") ? nil : try row.decode(column: "tenant", as: String.self),
            actor: try row.decode(column: "actor", as: String.self), subject: try row.decode(column: "subject", as: String.self),
            event: try row.decode(column: "event", as: String.self), outcome: try row.decode(column: "outcome", as: String.self),
            reason: try row.decode(column: "reason", as: String.self), source: try row.decode(column: "source", as: String.self))
        return AuditEvent(seq: try row.decode(column: "seq", as: Int64.self), record: record,
                          previousHash: try row.decode(column: "prev_hash", as: String.self), hash: try row.decode(column: "hash", as: String.self),
                          macKeyID: try row.decodeNil(column: "mac_key_id") ? nil : try row.decode(column: "mac_key_id", as: String.self))
    }
}
