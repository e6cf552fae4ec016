import Foundation
import LifelineCore
import SQLKit

/// The Authenticator's PIN, codes, unblocking codes and operator actions (``AuthenticatorStore``; see
/// `SQLStore+Authenticator.swift` for how the conditional writes stay atomic and the order rows are locked in).
extension SQLStore {
    // MARK: the PIN

    public func recordWrongPIN(deviceID: UUID, maxFailures: Int, now: Date, audit: AuditRecord, blockAudit: [AuditRecord]) async throws -> AuthenticatorPINCount? {
        let device = Row.id(deviceID)
        return try await backend.write(lane: audit.chain) { db -> AuthenticatorPINCount? in
            // The counter with its limit: one conditional UPDATE. Concurrent wrong PINs queue on the device row and each
            // re-checks `pin_failures < max` on the count the previous one left, so exactly `maxFailures` are counted
            // and only the one that reaches the limit blocks (a limit of 3 allows 3).
            guard let row = try await db.raw("""
                UPDATE authenticator_devices SET pin_failures = pin_failures + 1
                WHERE id = \(bind: device) AND pin_failures < \(bind: Int64(maxFailures)) RETURNING pin_failures
                """).first() else { return nil }
            let failures = Int(try row.decode(column: "pin_failures", as: Int64.self))
            let blocked = failures >= maxFailures
            try await self.appendAudit(audit, in: db)
            if blocked {
                // Why every active link: one PIN for all organizations, so three wrong PINs block the app everywhere.
                try await db.raw("""
                    UPDATE authenticator_links SET state = 'blocked', blocked_reason = 'pin_failures', blocked_at = \(bind: Row.millis(now))
                    WHERE device_id = \(bind: device) AND state = 'active'
                    """).run()
                try await db.raw("""
                    DELETE FROM authenticator_online_codes WHERE link_id IN
                      (SELECT id FROM authenticator_links WHERE device_id = \(bind: device) AND state = 'blocked')
                    """).run()
                for r in blockAudit { try await self.appendAudit(r, in: db) }
            }
            return AuthenticatorPINCount(failures: failures, blocked: blocked)
        }
    }

    public func issueOnlineCode(_ code: AuthenticatorOnlineCode, deviceID: UUID, maxPINFailures: Int, now: Date, audit: AuditRecord) async throws -> Bool {
        try await backend.write(lane: audit.chain) { db in
            // The condition (an active link of this app, a PIN not blocked by its count) and the counter's reset in one
            // UPDATE of the device row: a wrong PIN counted meanwhile is seen, and a block is never undone here.
            guard try await db.raw("""
                UPDATE authenticator_devices SET pin_failures = 0, last_seen_at = \(bind: Row.millis(now))
                WHERE id = \(bind: Row.id(deviceID)) AND pin_failures < \(bind: Int64(maxPINFailures))
                  AND EXISTS (SELECT 1 FROM authenticator_links WHERE id = \(bind: Row.id(code.linkID))
                    AND device_id = \(bind: Row.id(deviceID)) AND state = 'active')
                RETURNING id
                """).first() != nil else { return false }
            // One outstanding code per link: a new one replaces the earlier one.
            try await db.raw("""
                INSERT INTO authenticator_online_codes (link_id, code_hash, expires_at, used_at)
                VALUES (\(bind: Row.id(code.linkID)), \(bind: code.codeHash), \(bind: Row.millis(code.expiresAt)), NULL)
                ON CONFLICT (link_id) DO UPDATE SET code_hash = excluded.code_hash, expires_at = excluded.expires_at, used_at = NULL
                """).run()
            try await self.appendAudit(audit, in: db)
            return true
        }
    }

    public func consumeOnlineCode(linkID: UUID, codeHash: String, now: Date, audit: AuditRecord) async throws -> Bool {
        try await backend.write(lane: audit.chain) { db in
            // The single-use guard: one conditional UPDATE … RETURNING (of concurrent validations with the code, one
            // marks it used). Marked, not deleted: the used code stays so that a replay is recognised as that code.
            try await self.changeThenAudit("""
                UPDATE authenticator_online_codes SET used_at = \(bind: Row.millis(now))
                WHERE link_id = \(bind: Row.id(linkID)) AND code_hash = \(bind: codeHash) AND used_at IS NULL
                  AND expires_at > \(bind: Row.millis(now))
                  AND EXISTS (SELECT 1 FROM authenticator_links WHERE id = \(bind: Row.id(linkID)) AND state = 'active')
                RETURNING link_id
                """, audit: audit, in: db)
        }
    }

    public func consumeOfflineStep(linkID: UUID, step: Int64, maxPINFailures: Int, now: Date, audit: AuditRecord) async throws -> Bool {
        try await backend.write(lane: audit.chain) { db in
            try await Self.allOrNothing(db) {
                // The device row first (the lock order), with the counter's condition; then the step's single-use guard
                // on the link, re-checked on the link as a concurrent use of the same step left it.
                guard try await db.raw("""
                    UPDATE authenticator_devices SET pin_failures = 0, last_seen_at = \(bind: Row.millis(now))
                    WHERE id = (SELECT device_id FROM authenticator_links WHERE id = \(bind: Row.id(linkID)))
                      AND pin_failures < \(bind: Int64(maxPINFailures))
                    RETURNING id
                    """).first() != nil else { return false }
                guard try await db.raw("""
                    UPDATE authenticator_links SET last_step = \(bind: step)
                    WHERE id = \(bind: Row.id(linkID)) AND state = 'active' AND (last_step IS NULL OR last_step < \(bind: step))
                    RETURNING id
                    """).first() != nil else { return false }
                try await self.appendAudit(audit, in: db)
                return true
            }
        }
    }

    public func setPIN(_ change: AuthenticatorPINChange, maxUBCFailures: Int, now: Date, outbox: [OutboxMessage], audit: [AuditRecord]) async throws -> Bool {
        let at = Row.millis(now)
        return try await backend.write(lane: audit.first?.chain ?? AuditChain.globalChain) { db in
            try await Self.allOrNothing(db) {
                // 1. The app's new PIN (device row first: the lock order).
                guard try await db.raw("""
                    UPDATE authenticator_devices SET pin_verifier = \(bind: change.pinVerifier.text), pin_length = \(bind: Int64(change.pinLength)),
                      pin_failures = 0, last_seen_at = \(bind: at)
                    WHERE id = \(bind: Row.id(change.deviceID)) RETURNING id
                    """).first() != nil else { return false }
                // 2. That link only, unblocked (never a deactivated one); an offline unblock's step used once.
                var unblock: SQLQueryString = """
                    UPDATE authenticator_links SET state = 'active', blocked_reason = NULL, blocked_at = NULL
                    """
                if let step = change.step { unblock = unblock + ", last_step = \(bind: step)" }
                unblock = unblock + """
                     WHERE id = \(bind: Row.id(change.linkID)) AND device_id = \(bind: Row.id(change.deviceID)) AND state <> 'deactivated'
                    """
                if let step = change.step { unblock = unblock + " AND (last_step IS NULL OR last_step < \(bind: step))" }
                guard let link = try await db.raw(unblock + " RETURNING tenant_id, user_id").first() else { return false }
                let tenant = try link.decode(column: "tenant_id", as: String.self), user = try link.decode(column: "user_id", as: String.self)
                // 3. The authority, used up: the organization's UBC (usable, this user's) or the operator's open reset.
                let used: SQLQueryString
                switch change.authority {
                case .ubc(let id):
                    used = """
                        DELETE FROM authenticator_ubcs WHERE id = \(bind: Row.id(id)) AND tenant_id = \(bind: tenant) AND user_id = \(bind: user)
                          AND expires_at > \(bind: at) AND failures < \(bind: Int64(maxUBCFailures)) RETURNING id
                        """
                case .operatorReset:
                    used = """
                        DELETE FROM authenticator_pin_resets WHERE tenant_id = \(bind: tenant) AND user_id = \(bind: user)
                          AND open_until > \(bind: at) RETURNING user_id
                        """
                }
                guard try await db.raw(used).first() != nil else { return false }
                for m in outbox { try await Self.insert(message: m, in: db) }
                for r in audit { try await self.appendAudit(r, in: db) }
                return true
            }
        }
    }

    // MARK: the operator's actions

    public func blockLink(tenantID: UUID, userID: UUID, now: Date, audit: AuditRecord) async throws -> Bool {
        try await backend.write(lane: audit.chain) { db in
            guard let row = try await db.raw("""
                UPDATE authenticator_links SET state = 'blocked', blocked_reason = 'operator', blocked_at = \(bind: Row.millis(now))
                WHERE tenant_id = \(bind: Row.id(tenantID)) AND user_id = \(bind: Row.id(userID)) AND state = 'active'
                RETURNING id
                """).first() else { return false }
            try await db.raw("DELETE FROM authenticator_online_codes WHERE link_id = \(bind: try row.decode(column: "id", as: String.self))").run()
            try await self.appendAudit(audit, in: db)
            return true
        }
    }

    public func putUBC(_ u: AuthenticatorUBC, audit: AuditRecord) async throws {
        try await backend.write(lane: audit.chain) { db in
            // One row per (tenant, user): displaying a new UBC replaces the earlier one, blocked or not.
            try await db.raw("""
                INSERT INTO authenticator_ubcs (tenant_id, user_id, id, code, failures, created_at, expires_at, issued_by)
                VALUES (\(bind: Row.id(u.tenantID)), \(bind: Row.id(u.userID)), \(bind: Row.id(u.id)), \(bind: u.code.text),
                  \(bind: Int64(u.failures)), \(bind: Row.millis(u.createdAt)), \(bind: Row.millis(u.expiresAt)), \(bind: u.issuedBy))
                ON CONFLICT (tenant_id, user_id) DO UPDATE SET id = excluded.id, code = excluded.code, failures = excluded.failures,
                  created_at = excluded.created_at, expires_at = excluded.expires_at, issued_by = excluded.issued_by
                """).run()
            try await self.appendAudit(audit, in: db)
        }
    }

    public func authenticatorUBC(tenantID: UUID, userID: UUID) async throws -> AuthenticatorUBC? {
        try await backend.read { db in
            try await db.raw("""
                SELECT * FROM authenticator_ubcs WHERE tenant_id = \(bind: Row.id(tenantID)) AND user_id = \(bind: Row.id(userID))
                """).first().map(Self.authenticatorUBC(from:))
        }
    }

    public func countUBCFailure(id: UUID, maxFailures: Int, now: Date, audit: AuditRecord, blockAudit: [AuditRecord]) async throws -> Int? {
        try await backend.write(lane: audit.chain) { db -> Int? in
            // The counter with its limit, as for the PIN: exactly `maxFailures` wrong entries are counted under any race,
            // and the one that reaches it blocks the UBC.
            guard let row = try await db.raw("""
                UPDATE authenticator_ubcs SET failures = failures + 1
                WHERE id = \(bind: Row.id(id)) AND expires_at > \(bind: Row.millis(now)) AND failures < \(bind: Int64(maxFailures))
                RETURNING failures
                """).first() else { return nil }
            let failures = Int(try row.decode(column: "failures", as: Int64.self))
            try await self.appendAudit(audit, in: db)
            if failures >= maxFailures { for r in blockAudit { try await self.appendAudit(r, in: db) } }
            return failures
        }
    }

    public func putPINReset(_ r: AuthenticatorPINReset, audit: AuditRecord) async throws {
        try await backend.write(lane: audit.chain) { db in
            try await db.raw("""
                INSERT INTO authenticator_pin_resets (tenant_id, user_id, opened_by, open_until)
                VALUES (\(bind: Row.id(r.tenantID)), \(bind: Row.id(r.userID)), \(bind: r.openedBy), \(bind: Row.millis(r.openUntil)))
                ON CONFLICT (tenant_id, user_id) DO UPDATE SET opened_by = excluded.opened_by, open_until = excluded.open_until
                """).run()
            try await self.appendAudit(audit, in: db)
        }
    }

    public func pinReset(tenantID: UUID, userID: UUID) async throws -> AuthenticatorPINReset? {
        try await backend.read { db in
            try await db.raw("""
                SELECT * FROM authenticator_pin_resets WHERE tenant_id = \(bind: Row.id(tenantID)) AND user_id = \(bind: Row.id(userID))
                """).first().map { row in
                AuthenticatorPINReset(tenantID: try Row.uuid(row, "tenant_id"), userID: try Row.uuid(row, "user_id"),
                                      openedBy: try row.decode(column: "opened_by", as: String.self),
                                      openUntil: Row.date(try row.decode(column: "open_until", as: Int64.self)))
            }
        }
    }

    static func authenticatorUBC(from row: any SQLRow) throws -> AuthenticatorUBC {
        AuthenticatorUBC(id: try Row.uuid(row, "id"), tenantID: try Row.uuid(row, "tenant_id"), userID: try Row.uuid(row, "user_id"),
                         code: try sealed(row, "code"), failures: Int(try row.decode(column: "failures", as: Int64.self)),
                         createdAt: Row.date(try row.decode(column: "created_at", as: Int64.self)),
                         expiresAt: Row.date(try row.decode(column: "expires_at", as: Int64.self)),
                         issuedBy: try row.decode(column: "issued_by", as: String.self))
    }
}
