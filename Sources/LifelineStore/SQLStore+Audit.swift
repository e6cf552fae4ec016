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

    public func verifyChain() async throws -> (count: Int, broken: AuditChain.Break?) {
        // Read in pages so a long log does not have to fit in memory at once; the head is read first, so
        // events appended meanwhile (beyond it) are not mistaken for a broken tail.
        try await backend.read { db in
            guard let headRow = try await db.raw("SELECT seq, hash FROM audit_head WHERE id = 1").first() else {
                return (0, AuditChain.Break(seq: 0, reason: "the chain head is missing"))
            }
            let head = (seq: try headRow.decode(column: "seq", as: Int64.self), hash: try headRow.decode(column: "hash", as: String.self))
            var events: [AuditEvent] = []
            var after: Int64 = 0
            while true {
                let page = try await db.raw("SELECT * FROM audit_events WHERE seq > \(bind: after) AND seq <= \(bind: head.seq) ORDER BY seq LIMIT 5000").all()
                if page.isEmpty { break }
                for row in page { events.append(try Self.event(from: row)) }
                after = events.last!.seq
            }
            let tail = try await db.raw("SELECT MAX(seq) AS m FROM audit_events").first()
            let maxSeq = try tail.flatMap { try $0.decodeNil(column: "m") ? nil : try $0.decode(column: "m", as: Int64.self) } ?? 0
            let result = AuditChain.verify(events, head: head)
            if result.broken == nil, maxSeq > head.seq, head.seq == after {
                // Rows beyond the head that were not appended through the chain would be forgeries only if the
                // head did not move; a concurrent append moves it, so re-read before calling it broken.
                let again = try await db.raw("SELECT seq FROM audit_head WHERE id = 1").first()
                if let again, try again.decode(column: "seq", as: Int64.self) < maxSeq {
                    return (result.count, AuditChain.Break(seq: head.seq + 1, reason: "events beyond the chain head were inserted"))
                }
            }
            return result
        }
    }

    static func event(from row: any SQLRow) throws -> AuditEvent {
        let record = AuditRecord(
            time: Row.date(try row.decode(column: "time", as: Int64.self)),
            tenant: try row.decodeNil(column: "tenant") ? nil : try row.decode(column: "tenant", as: String.self),
            actor: try row.decode(column: "actor", as: String.self), subject: try row.decode(column: "subject", as: String.self),
            event: try row.decode(column: "event", as: String.self), outcome: try row.decode(column: "outcome", as: String.self),
            reason: try row.decode(column: "reason", as: String.self), source: try row.decode(column: "source", as: String.self))
        return AuditEvent(seq: try row.decode(column: "seq", as: Int64.self), record: record,
                          previousHash: try row.decode(column: "prev_hash", as: String.self), hash: try row.decode(column: "hash", as: String.self))
    }
}
