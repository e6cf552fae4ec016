import Foundation
import LifelineCore
import SQLKit

extension SQLStore: OutboxStore {
    static func insert(message m: OutboxMessage, in db: any SQLDatabase) async throws {
        try await db.raw("""
            INSERT INTO outbox (id, tenant, channel, recipient, subject, body, status, attempts, next_attempt_at, lease_until, last_error,
              created_at, sent_at, seal_format)
            VALUES (\(bind: Row.id(m.id)), \(bind: m.tenant), \(bind: m.channel.rawValue), \(bind: m.recipient), \(bind: m.subject),
              \(bind: m.body?.text), \(bind: m.status.rawValue), \(bind: Int64(m.attempts)), \(bind: Row.millis(m.nextAttemptAt)),
              \(bind: m.leaseUntil.map(Row.millis)), \(bind: m.lastError), \(bind: Row.millis(m.createdAt)), \(bind: m.sentAt.map(Row.millis)),
              \(bind: Int64(m.sealFormat.rawValue)))
            """).run()
    }

    public func claim(now: Date, lease: TimeInterval, limit: Int) async throws -> [OutboxMessage] {
        let n = Row.millis(now), until = Row.millis(now.addingTimeInterval(lease))
        let skipLocked = kind == .postgres ? " FOR UPDATE SKIP LOCKED" : ""
        return try await backend.write { db in
            // The due condition is repeated on the outer UPDATE: on PostgreSQL a row claimed by a concurrent
            // transaction is re-checked after that one commits, and then no longer qualifies.
            try await db.raw("""
                WITH picked AS (SELECT id FROM outbox WHERE (status = 'pending' AND next_attempt_at <= \(bind: n))
                    OR (status = 'sending' AND lease_until < \(bind: n)) ORDER BY created_at LIMIT \(bind: Int64(limit))\(unsafeRaw: skipLocked))
                UPDATE outbox SET status = 'sending', lease_until = \(bind: until), attempts = attempts + 1 WHERE id IN (SELECT id FROM picked)
                  AND ((status = 'pending' AND next_attempt_at <= \(bind: n)) OR (status = 'sending' AND lease_until < \(bind: n)))
                RETURNING *
                """).all().map(Self.message(from:))
        }
    }

    @discardableResult
    public func markSent(id: UUID, attempt: Int, at: Date) async throws -> Bool {
        try await backend.write { db in
            // Why wipe the body: it holds a one-time code that is no use to anyone once delivered.
            try await db.raw("""
                UPDATE outbox SET status = 'sent', sent_at = \(bind: Row.millis(at)), body = NULL, lease_until = NULL
                WHERE id = \(bind: Row.id(id)) AND status = 'sending' AND attempts = \(bind: Int64(attempt)) RETURNING id
                """).first() != nil
        }
    }

    @discardableResult
    public func markFailed(id: UUID, attempt: Int, error: String, retryAt: Date?) async throws -> Bool {
        let message = String(error.prefix(500))
        return try await backend.write { db in
            if let retryAt {
                return try await db.raw("""
                    UPDATE outbox SET status = 'pending', next_attempt_at = \(bind: Row.millis(retryAt)), lease_until = NULL,
                      last_error = \(bind: message)
                    WHERE id = \(bind: Row.id(id)) AND status = 'sending' AND attempts = \(bind: Int64(attempt)) RETURNING id
                    """).first() != nil
            } else {
                return try await db.raw("""
                    UPDATE outbox SET status = 'failed', body = NULL, lease_until = NULL, last_error = \(bind: message)
                    WHERE id = \(bind: Row.id(id)) AND status = 'sending' AND attempts = \(bind: Int64(attempt)) RETURNING id
                    """).first() != nil
            }
        }
    }

    public func recentMessages(limit: Int) async throws -> [OutboxMessage] {
        try await backend.read { db in
            try await db.raw("SELECT * FROM outbox ORDER BY created_at DESC, id LIMIT \(bind: Int64(limit))").all().map(Self.message(from:))
        }
    }

    /// The row's seal format. Why an unknown number reads as the bound format: that is the strictest one, so an
    /// edited number can only make a body fail to open (the dispatcher then fails that message), never open a
    /// redirected one; throwing instead would let one edited row stop every claim.
    static func sealFormat(_ row: any SQLRow) throws -> OutboxSealFormat {
        let n = try row.decode(column: "seal_format", as: Int64.self)
        return Int(exactly: n).flatMap(OutboxSealFormat.init(rawValue:)) ?? .bound
    }

    static func message(from row: any SQLRow) throws -> OutboxMessage {
        OutboxMessage(
            id: try Row.uuid(row, "id"), tenant: try row.decode(column: "tenant", as: String.self),
            channel: try Row.enumValue(row, "channel", as: MessageChannel.self), recipient: try row.decode(column: "recipient", as: String.self),
            subject: try row.decode(column: "subject", as: String.self),
            body: try row.decode(column: "body", as: String?.self).flatMap(SealedSecret.init(text:)),
            status: try Row.enumValue(row, "status", as: OutboxStatus.self), attempts: Int(try row.decode(column: "attempts", as: Int64.self)),
            nextAttemptAt: Row.date(try row.decode(column: "next_attempt_at", as: Int64.self)),
            leaseUntil: try row.decode(column: "lease_until", as: Int64?.self).map(Row.date),
            lastError: try row.decode(column: "last_error", as: String.self), createdAt: Row.date(try row.decode(column: "created_at", as: Int64.self)),
            sentAt: try row.decode(column: "sent_at", as: Int64?.self).map(Row.date),
            sealFormat: try sealFormat(row))
    }
}
