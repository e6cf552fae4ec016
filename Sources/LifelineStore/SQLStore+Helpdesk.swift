import Foundation
import LifelineCore
import SQLKit

extension SQLStore: HelpdeskStore {
    public func putCallerVerification(_ v: CallerVerification, outbox: [OutboxMessage], audit: AuditRecord) async throws {
        try await backend.write(lane: audit.chain) { db in
            // An upsert on (actor, user_id): a new code replaces the operator's earlier one for this user.
            try await db.raw("""
                INSERT INTO caller_verifications (id, tenant_id, user_id, actor, channel, masked_recipient, code_hash, key_id, attempts,
                  created_at, expires_at, verified_until)
                VALUES (\(bind: Row.id(v.id)), \(bind: Row.id(v.tenantID)), \(bind: Row.id(v.userID)), \(bind: v.actor), \(bind: v.channel.rawValue),
                  \(bind: v.maskedRecipient), \(bind: v.codeHash), \(bind: v.keyID), \(bind: Int64(v.attempts)), \(bind: Row.millis(v.createdAt)),
                  \(bind: Row.millis(v.expiresAt)), \(bind: v.verifiedUntil.map(Row.millis)))
                ON CONFLICT (actor, user_id) DO UPDATE SET id = excluded.id, tenant_id = excluded.tenant_id, channel = excluded.channel,
                  masked_recipient = excluded.masked_recipient, code_hash = excluded.code_hash, key_id = excluded.key_id,
                  attempts = excluded.attempts, created_at = excluded.created_at, expires_at = excluded.expires_at,
                  verified_until = excluded.verified_until
                """).run()
            for m in outbox { try await Self.insert(message: m, in: db) }
            try await self.appendAudit(audit, in: db)
        }
    }

    public func callerVerification(actor: String, userID: UUID) async throws -> CallerVerification? {
        try await backend.read { db in
            try await db.raw("SELECT * FROM caller_verifications WHERE actor = \(bind: actor) AND user_id = \(bind: Row.id(userID))")
                .first().map(Self.callerVerification(from:))
        }
    }

    public func recordCallerAttempt(id: UUID, matched: Bool, now: Date, verifiedUntil: Date, maxAttempts: Int, audit: AuditRecord) async throws -> Int? {
        try await backend.write(lane: audit.chain) { db in
            // The attempt bound: one conditional UPDATE. Concurrent attempts queue on the row (PostgreSQL re-checks the
            // WHERE clause on the row as the previous writer left it; SQLite has one writer), so at most `maxAttempts`
            // are counted and only one can verify (it clears the hash and sets verified_until, which the others' WHERE
            // then refuses).
            let hit = Int64(matched ? 1 : 0)
            let row = try await db.raw("""
                UPDATE caller_verifications SET attempts = attempts + 1,
                  verified_until = CASE WHEN \(bind: hit) = 1 THEN \(bind: Row.millis(verifiedUntil)) ELSE verified_until END,
                  code_hash = CASE WHEN \(bind: hit) = 1 THEN '' ELSE code_hash END
                WHERE id = \(bind: Row.id(id)) AND verified_until IS NULL AND expires_at > \(bind: Row.millis(now))
                  AND attempts < \(bind: Int64(maxAttempts)) AND code_hash <> ''
                RETURNING attempts
                """).first()
            guard let row else { return nil }
            try await self.appendAudit(audit, in: db)
            return Int(try row.decode(column: "attempts", as: Int64.self))
        }
    }

    public func insertApprovalRequest(_ r: ApprovalRequest, audit: AuditRecord) async throws {
        let parameters = try Self.encodeParameters(r.parameters)
        try await backend.write(lane: audit.chain) { db in
            try await db.raw("""
                INSERT INTO approval_requests (id, tenant_id, user_id, username, action, parameters, requested_by, reason, created_at,
                  expires_at, status, decided_by, decided_at, result)
                VALUES (\(bind: Row.id(r.id)), \(bind: Row.id(r.tenantID)), \(bind: Row.id(r.userID)), \(bind: r.username), \(bind: r.action.rawValue),
                  \(bind: parameters), \(bind: r.requestedBy), \(bind: r.reason), \(bind: Row.millis(r.createdAt)), \(bind: Row.millis(r.expiresAt)),
                  \(bind: r.status.rawValue), \(bind: r.decidedBy), \(bind: r.decidedAt.map(Row.millis)), \(bind: r.result))
                """).run()
            try await self.appendAudit(audit, in: db)
        }
    }

    public func approvalRequest(id: UUID) async throws -> ApprovalRequest? {
        try await backend.read { db in
            try await db.raw("SELECT * FROM approval_requests WHERE id = \(bind: Row.id(id))").first().map(Self.approvalRequest(from:))
        }
    }

    public func approvalRequests(tenantIDs: Set<UUID>?, status: ApprovalStatus?, limit: Int) async throws -> [ApprovalRequest] {
        if let tenantIDs, tenantIDs.isEmpty { return [] }
        return try await backend.read { db in
            var query: SQLQueryString = "SELECT * FROM approval_requests WHERE 1 = 1"
            if let status { query = query + " AND status = \(bind: status.rawValue)" }
            if let tenantIDs {
                query = query + " AND tenant_id IN (" + SQLQueryString(tenantIDs.map { "'\(Row.id($0))'" }.joined(separator: ", ")) + ")"
            }
            query = query + " ORDER BY created_at DESC, id LIMIT \(bind: Int64(limit))"
            return try await db.raw(query).all().map(Self.approvalRequest(from:))
        }
    }

    public func decideApprovalRequest(id: UUID, status: ApprovalStatus, by: String, now: Date, audit: AuditRecord) async throws -> Bool {
        // Why a requester may only reject (withdraw) their own: approving it would be one person's four eyes.
        let ownAllowed = Int64(status == .rejected ? 1 : 0)
        return try await backend.write(lane: audit.chain) { db in
            // The execute-once guard: one conditional UPDATE from `pending`; of concurrent approvals one matches.
            try await self.changeThenAudit("""
                UPDATE approval_requests SET status = \(bind: status.rawValue), decided_by = \(bind: by), decided_at = \(bind: Row.millis(now))
                WHERE id = \(bind: Row.id(id)) AND status = 'pending' AND expires_at > \(bind: Row.millis(now))
                  AND (requested_by <> \(bind: by) OR \(bind: ownAllowed) = 1)
                RETURNING id
                """, audit: audit, in: db)
        }
    }

    public func finishApprovalRequest(id: UUID, status: ApprovalStatus, result: String, outbox: [OutboxMessage], audit: [AuditRecord]) async throws {
        try await backend.write(lane: audit.first?.chain ?? AuditChain.globalChain) { db in
            try await db.raw("UPDATE approval_requests SET status = \(bind: status.rawValue), result = \(bind: result) WHERE id = \(bind: Row.id(id))").run()
            for m in outbox { try await Self.insert(message: m, in: db) }
            for r in audit { try await self.appendAudit(r, in: db) }
        }
    }

    static func encodeParameters(_ p: [String: String]) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return String(decoding: try encoder.encode(p), as: UTF8.self)
    }

    static func callerVerification(from row: any SQLRow) throws -> CallerVerification {
        CallerVerification(id: try Row.uuid(row, "id"), tenantID: try Row.uuid(row, "tenant_id"), userID: try Row.uuid(row, "user_id"),
                           actor: try row.decode(column: "actor", as: String.self),
                           channel: try Row.enumValue(row, "channel", as: MessageChannel.self),
                           maskedRecipient: try row.decode(column: "masked_recipient", as: String.self),
                           codeHash: try row.decode(column: "code_hash", as: String.self), keyID: try row.decode(column: "key_id", as: String.self),
                           attempts: Int(try row.decode(column: "attempts", as: Int64.self)),
                           createdAt: Row.date(try row.decode(column: "created_at", as: Int64.self)),
                           expiresAt: Row.date(try row.decode(column: "expires_at", as: Int64.self)),
                           verifiedUntil: try row.decode(column: "verified_until", as: Int64?.self).map(Row.date))
    }

    static func approvalRequest(from row: any SQLRow) throws -> ApprovalRequest {
        let parameters = try JSONDecoder().decode([String: String].self, from: Data(try row.decode(column: "parameters", as: String.self).utf8))
        return ApprovalRequest(id: try Row.uuid(row, "id"), tenantID: try Row.uuid(row, "tenant_id"), userID: try Row.uuid(row, "user_id"),
                               username: try row.decode(column: "username", as: String.self),
                               action: try Row.enumValue(row, "action", as: HelpdeskAction.self), parameters: parameters,
                               requestedBy: try row.decode(column: "requested_by", as: String.self),
                               reason: try row.decode(column: "reason", as: String.self),
                               createdAt: Row.date(try row.decode(column: "created_at", as: Int64.self)),
                               expiresAt: Row.date(try row.decode(column: "expires_at", as: Int64.self)),
                               status: try Row.enumValue(row, "status", as: ApprovalStatus.self),
                               decidedBy: try row.decode(column: "decided_by", as: String?.self),
                               decidedAt: try row.decode(column: "decided_at", as: Int64?.self).map(Row.date),
                               result: try row.decode(column: "result", as: String?.self))
    }
}
