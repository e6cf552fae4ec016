import Foundation
import LifelineCore
import SQLKit

/// The windows of offline data issued to machines (``OfflineStore``'s grants; see `SQLStore+OfflineAgents.swift` for
/// how the conditional writes stay atomic).
///
/// Why the user's row is locked first (PostgreSQL) by every write that inserts a grant: "one live grant per user,
/// agent and machine" is a partial unique index, and of two transactions that each end the live grant and insert a new
/// one, the second would not see the first's uncommitted insert, insert its own and fail on the index. Taking turns on
/// the user's row, the second ends the first's grant instead. SQLite runs one writer at a time anyway.
extension SQLStore {
    public func issueGrant(_ grant: OfflineGrant, now: Date, audit: AuditRecord) async throws {
        try await backend.write(lane: audit.chain) { db in
            try await self.lockUser(grant.userID, in: db)
            try await db.raw("""
                UPDATE offline_grants SET ended_at = \(bind: Row.millis(now)), ended_reason = 'replaced'
                WHERE tenant_id = \(bind: Row.id(grant.tenantID)) AND user_id = \(bind: Row.id(grant.userID))
                  AND agent_id = \(bind: Row.id(grant.agentID)) AND machine = \(bind: grant.machine) AND ended_at IS NULL
                """).run()
            try await Self.insert(grant: grant, in: db)
            try await self.appendAudit(audit, in: db)
        }
    }

    public func liveGrant(tenantID: UUID, userID: UUID, agentID: UUID, machine: String) async throws -> OfflineGrant? {
        try await backend.read { db in
            try await db.raw("""
                SELECT * FROM offline_grants WHERE tenant_id = \(bind: Row.id(tenantID)) AND user_id = \(bind: Row.id(userID))
                  AND agent_id = \(bind: Row.id(agentID)) AND machine = \(bind: machine) AND ended_at IS NULL
                """).first().map(Self.grant(from:))
        }
    }

    public func grant(id: UUID) async throws -> OfflineGrant? {
        try await backend.read { db in
            try await db.raw("SELECT * FROM offline_grants WHERE id = \(bind: Row.id(id))").first().map(Self.grant(from:))
        }
    }

    public func grants(tenantID: UUID, userID: UUID, limit: Int) async throws -> [OfflineGrant] {
        guard limit > 0 else { return [] }
        return try await backend.read { db in
            try await db.raw("""
                SELECT * FROM offline_grants WHERE tenant_id = \(bind: Row.id(tenantID)) AND user_id = \(bind: Row.id(userID))
                ORDER BY issued_at DESC, id DESC LIMIT \(bind: Int64(limit))
                """).all().map(Self.grant(from:))
        }
    }

    public func refillGrant(oldID: UUID, presentedRefillHash: [UInt8], new: OfflineGrant, now: Date, audit: AuditRecord) async throws -> Bool {
        let at = Row.millis(now)
        return try await backend.write(lane: audit.chain) { db in
            try await self.lockUser(new.userID, in: db)
            // The single-use guard: one conditional UPDATE, the first write (of concurrent refills with one token, one
            // ends the grant; the others find it ended and write nothing). Why comparing in SQL is safe: it compares
            // SHA-256 of a 256-bit random token, whose timing tells nothing useful about the token.
            guard try await db.raw("""
                UPDATE offline_grants SET ended_at = \(bind: at), ended_reason = 'refilled'
                WHERE id = \(bind: Row.id(oldID)) AND ended_at IS NULL AND expires_at > \(bind: at)
                  AND refill_hash = \(bind: Self.base64(presentedRefillHash))
                RETURNING id
                """).first() != nil else { return false }
            try await Self.insert(grant: new, in: db)
            try await self.appendAudit(audit, in: db)
            return true
        }
    }

    public func endGrants(tenantID: UUID, userID: UUID?, reason: String, now: Date, audit: AuditRecord) async throws -> Int {
        var sql: SQLQueryString = """
            UPDATE offline_grants SET ended_at = \(bind: Row.millis(now)), ended_reason = \(bind: reason)
            WHERE tenant_id = \(bind: Row.id(tenantID)) AND ended_at IS NULL
            """
        if let userID { sql = sql + " AND user_id = \(bind: Row.id(userID))" }
        let change = sql + " RETURNING id"
        return try await backend.write(lane: audit.chain) { db in
            let ended = try await db.raw(change).all().count
            if ended > 0 { try await self.appendAudit(audit, in: db) }
            return ended
        }
    }

    public func endGrant(id: UUID, reason: String, now: Date, audit: AuditRecord) async throws -> Bool {
        try await backend.write(lane: audit.chain) { db in
            try await self.changeThenAudit("""
                UPDATE offline_grants SET ended_at = \(bind: Row.millis(now)), ended_reason = \(bind: reason)
                WHERE id = \(bind: Row.id(id)) AND ended_at IS NULL RETURNING id
                """, audit: audit, in: db)
        }
    }

    // MARK: helpers

    /// PostgreSQL: locks the user's row until the transaction ends (see the type's comment). NO KEY UPDATE: foreign-key
    /// checks of other writes still pass. SQLite: nothing (one writer at a time).
    func lockUser(_ userID: UUID, in db: any SQLDatabase) async throws {
        guard kind == .postgres else { return }
        _ = try await db.raw("SELECT id FROM users WHERE id = \(bind: Row.id(userID)) FOR NO KEY UPDATE").first()
    }

    static func base64(_ bytes: [UInt8]) -> String { Data(bytes).base64EncodedString() }

    static func bytes(_ row: any SQLRow, base64 column: String) throws -> [UInt8] {
        guard let data = Data(base64Encoded: try row.decode(column: column, as: String.self)) else {
            throw LifelineError(.integrity, "column \(column) is not base64")
        }
        return [UInt8](data)
    }

    static func insert(grant g: OfflineGrant, in db: any SQLDatabase) async throws {
        try await db.raw("""
            INSERT INTO offline_grants (id, tenant_id, user_id, token_id, agent_id, machine, first_step, steps, period, issued_at,
              expires_at, refill_hash, sealed_pin, token_fingerprint, policy_fingerprint, ended_at, ended_reason)
            VALUES (\(bind: Row.id(g.id)), \(bind: Row.id(g.tenantID)), \(bind: Row.id(g.userID)), \(bind: Row.id(g.tokenID)),
              \(bind: Row.id(g.agentID)), \(bind: g.machine), \(bind: g.firstStep), \(bind: Int64(g.steps)), \(bind: Int64(g.period)),
              \(bind: Row.millis(g.issuedAt)), \(bind: Row.millis(g.expiresAt)), \(bind: base64(g.refillHash)), \(bind: g.sealedPIN.map(base64)),
              \(bind: g.tokenFingerprint), \(bind: g.policyFingerprint), \(bind: g.endedAt.map(Row.millis)), \(bind: g.endedReason))
            """).run()
    }

    static func grant(from row: any SQLRow) throws -> OfflineGrant {
        OfflineGrant(id: try Row.uuid(row, "id"), tenantID: try Row.uuid(row, "tenant_id"), userID: try Row.uuid(row, "user_id"),
                     tokenID: try Row.uuid(row, "token_id"), agentID: try Row.uuid(row, "agent_id"),
                     machine: try row.decode(column: "machine", as: String.self), firstStep: try row.decode(column: "first_step", as: Int64.self),
                     steps: Int(try row.decode(column: "steps", as: Int64.self)), period: Int(try row.decode(column: "period", as: Int64.self)),
                     issuedAt: Row.date(try row.decode(column: "issued_at", as: Int64.self)),
                     expiresAt: Row.date(try row.decode(column: "expires_at", as: Int64.self)),
                     refillHash: try bytes(row, base64: "refill_hash"),
                     sealedPIN: try row.decodeNil(column: "sealed_pin") ? nil : try bytes(row, base64: "sealed_pin"),
                     tokenFingerprint: try row.decode(column: "token_fingerprint", as: String.self),
                     policyFingerprint: try row.decode(column: "policy_fingerprint", as: String.self),
                     endedAt: try row.decode(column: "ended_at", as: Int64?.self).map(Row.date),
                     endedReason: try row.decode(column: "ended_reason", as: String?.self))
    }
}
