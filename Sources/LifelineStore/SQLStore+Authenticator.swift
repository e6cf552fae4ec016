import Foundation
import LifelineCore
import SQLKit

/// The Lifeline Authenticator's rows (issue 16, migration 19): activations, apps and their links, challenges. The PIN,
/// the online and offline codes, the UBCs and the operator's actions are in `SQLStore+AuthenticatorPIN.swift`.
///
/// How the conditional writes stay atomic: each condition is one `UPDATE`/`DELETE … WHERE <condition> RETURNING`
/// whose returned rows say whether it held. On PostgreSQL a concurrent writer of the same row waits for its lock and
/// the WHERE clause is evaluated again on the row as the other left it; SQLite runs one writer at a time. A write that
/// must hold on several rows runs in a savepoint (``SQLStore/allOrNothing(_:_:)``): if a later condition fails, the
/// earlier statements are undone and nothing is written, no audit either. Rows are locked device first, then links,
/// then UBCs / resets, in every method, so that two of them never wait for each other's rows.
extension SQLStore: AuthenticatorStore {
    // MARK: activations

    public func insertActivation(_ a: AuthenticatorActivation, audit: AuditRecord) async throws {
        try await backend.write(lane: audit.chain) { db in
            let inserted = try await db.raw("""
                INSERT INTO authenticator_activations (id, code_hash, tenant_id, user_id, issued_by, created_at, expires_at, used_at)
                VALUES (\(bind: Row.id(a.id)), \(bind: a.codeHash), \(bind: Row.id(a.tenantID)), \(bind: Row.id(a.userID)), \(bind: a.issuedBy),
                  \(bind: Row.millis(a.createdAt)), \(bind: Row.millis(a.expiresAt)), \(bind: a.usedAt.map(Row.millis)))
                ON CONFLICT DO NOTHING RETURNING id
                """).first()
            guard inserted != nil else { throw LifelineError(.conflict, "duplicate activation") }
            try await self.appendAudit(audit, in: db)
        }
    }

    public func activation(codeHash: String) async throws -> AuthenticatorActivation? {
        try await backend.read { db in
            try await db.raw("SELECT * FROM authenticator_activations WHERE code_hash = \(bind: codeHash)").first().map(Self.authenticatorActivation(from:))
        }
    }

    public func completeActivation(_ enrolment: AuthenticatorEnrolment, now: Date, maxPINFailures: Int, outboxIfReplaced: [OutboxMessage],
                                   audit: [AuditRecord]) async throws -> AuthenticatorEnrolmentResult {
        let link = enrolment.link
        let at = Row.millis(now)
        let lane = audit.first?.chain ?? AuditChain.globalChain
        return try await backend.write(lane: lane) { db in
            var result = AuthenticatorEnrolmentResult.activationUnusable
            _ = try await Self.allOrNothing(db) {
                // 1. The single-use guard of the activation code: of concurrent completions one sets used_at.
                guard try await db.raw("""
                    UPDATE authenticator_activations SET used_at = \(bind: at)
                    WHERE id = \(bind: Row.id(enrolment.activationID)) AND used_at IS NULL AND expires_at > \(bind: at) RETURNING id
                    """).first() != nil else { return false }
                // 2. The app: a new one is inserted; a known one must not have its PIN blocked, and proved its PIN.
                if let device = enrolment.newDevice {
                    guard device.id == link.deviceID else { throw LifelineError(.integrity, "the new device is not the link's") }
                    try await Self.insertAuthenticator(device: device, in: db)
                } else {
                    let device = Row.id(link.deviceID)
                    let unblocked = try await db.raw("""
                        UPDATE authenticator_devices SET pin_failures = 0,
                          last_seen_at = CASE WHEN last_seen_at IS NULL OR last_seen_at < \(bind: at) THEN \(bind: at) ELSE last_seen_at END
                        WHERE id = \(bind: device) AND pin_failures < \(bind: Int64(maxPINFailures))
                          AND (EXISTS (SELECT 1 FROM authenticator_links WHERE device_id = \(bind: device) AND state = 'active')
                            OR NOT EXISTS (SELECT 1 FROM authenticator_links WHERE device_id = \(bind: device) AND state <> 'deactivated'))
                        RETURNING id
                        """).first()
                    guard unblocked != nil else {
                        guard try await db.raw("SELECT id FROM authenticator_devices WHERE id = \(bind: device)").first() != nil else {
                            throw LifelineError(.integrity, "no such device (foreign key)")
                        }
                        result = .pinBlocked
                        return false
                    }
                }
                // Why a row lock on the user (PostgreSQL): two activations of one user at one tenant from two server
                // processes then run one after the other, and the later one deactivates the earlier one's link instead
                // of failing on the "one live link" index. NO KEY UPDATE: foreign-key checks of other writes still pass.
                if self.kind == .postgres {
                    _ = try await db.raw("SELECT id FROM users WHERE id = \(bind: Row.id(link.userID)) FOR NO KEY UPDATE").first()
                }
                // 3. The user's previous app at the tenant, and this app's earlier link there, are deactivated.
                let replaced = try await db.raw("""
                    UPDATE authenticator_links SET state = 'deactivated', deactivated_at = \(bind: at)
                    WHERE tenant_id = \(bind: Row.id(link.tenantID)) AND state <> 'deactivated'
                      AND (user_id = \(bind: Row.id(link.userID)) OR device_id = \(bind: Row.id(link.deviceID)))
                    RETURNING id
                    """).all().map { try Row.uuid($0, "id") }
                if !replaced.isEmpty {
                    try await db.raw("""
                        DELETE FROM authenticator_online_codes WHERE link_id IN (SELECT id FROM authenticator_links
                          WHERE tenant_id = \(bind: Row.id(link.tenantID)) AND state = 'deactivated'
                            AND (user_id = \(bind: Row.id(link.userID)) OR device_id = \(bind: Row.id(link.deviceID))))
                        """).run()
                }
                // 4.–6.
                try await Self.insertAuthenticator(link: link, in: db)
                if !replaced.isEmpty { for m in outboxIfReplaced { try await Self.insert(message: m, in: db) } }
                for r in audit { try await self.appendAudit(r, in: db) }
                result = .done(replaced: replaced.sorted { $0.uuidString < $1.uuidString })
                return true
            }
            return result
        }
    }

    // MARK: devices and links

    public func authenticatorDevice(id: UUID) async throws -> AuthenticatorDevice? {
        try await backend.read { db in
            try await db.raw("SELECT * FROM authenticator_devices WHERE id = \(bind: Row.id(id))").first().map(Self.authenticatorDevice(from:))
        }
    }

    public func authenticatorLinks(deviceID: UUID) async throws -> [AuthenticatorLink] {
        try await backend.read { db in
            try await db.raw("SELECT * FROM authenticator_links WHERE device_id = \(bind: Row.id(deviceID)) ORDER BY created_at, id")
                .all().map(Self.authenticatorLink(from:))
        }
    }

    public func authenticatorLinks(tenantID: UUID, userID: UUID) async throws -> [(link: AuthenticatorLink, device: AuthenticatorDevice)] {
        try await backend.read { db in
            let links = try await db.raw("""
                SELECT * FROM authenticator_links WHERE tenant_id = \(bind: Row.id(tenantID)) AND user_id = \(bind: Row.id(userID))
                ORDER BY created_at DESC, id DESC
                """).all().map(Self.authenticatorLink(from:))
            guard !links.isEmpty else { return [] }
            let devices = try await db.raw("""
                SELECT * FROM authenticator_devices WHERE id IN (SELECT device_id FROM authenticator_links
                  WHERE tenant_id = \(bind: Row.id(tenantID)) AND user_id = \(bind: Row.id(userID)))
                """).all().map(Self.authenticatorDevice(from:))
            let byID = Dictionary(devices.map { ($0.id, $0) }, uniquingKeysWith: { a, _ in a })
            return links.compactMap { l in byID[l.deviceID].map { (link: l, device: $0) } }
        }
    }

    public func currentAuthenticator(tenantID: UUID, userID: UUID) async throws -> AuthenticatorCurrent? {
        try await backend.read { db in
            // 1. Every link of the app whose link is the user's live one at the tenant.
            let links = try await db.raw("""
                SELECT * FROM authenticator_links WHERE device_id = (SELECT device_id FROM authenticator_links
                  WHERE tenant_id = \(bind: Row.id(tenantID)) AND user_id = \(bind: Row.id(userID)) AND state <> 'deactivated')
                ORDER BY created_at, id
                """).all().map(Self.authenticatorLink(from:))
            guard let link = links.first(where: { $0.tenantID == tenantID && $0.userID == userID && $0.state != .deactivated }) else { return nil }
            // 2. The app, with the user's UBC at the tenant and the link's online code.
            guard let row = try await db.raw("""
                SELECT d.*, u.id AS ubc_id, u.code AS ubc_code, u.failures AS ubc_failures, u.created_at AS ubc_created_at,
                  u.expires_at AS ubc_expires_at, u.issued_by AS ubc_issued_by, o.code_hash AS online_hash, o.expires_at AS online_expires_at,
                  o.used_at AS online_used_at
                FROM authenticator_devices d
                  LEFT JOIN authenticator_ubcs u ON u.tenant_id = \(bind: Row.id(tenantID)) AND u.user_id = \(bind: Row.id(userID))
                  LEFT JOIN authenticator_online_codes o ON o.link_id = \(bind: Row.id(link.id))
                WHERE d.id = \(bind: Row.id(link.deviceID))
                """).first() else { return nil }
            var ubc: AuthenticatorUBC?
            if let id = try row.decode(column: "ubc_id", as: String?.self) {
                guard let ubcID = Row.parseID(id) else { throw LifelineError(.integrity, "column ubc_id holds no UUID") }
                ubc = AuthenticatorUBC(id: ubcID, tenantID: tenantID, userID: userID, code: try Self.sealed(row, "ubc_code"),
                                       failures: Int(try row.decode(column: "ubc_failures", as: Int64.self)),
                                       createdAt: Row.date(try row.decode(column: "ubc_created_at", as: Int64.self)),
                                       expiresAt: Row.date(try row.decode(column: "ubc_expires_at", as: Int64.self)),
                                       issuedBy: try row.decode(column: "ubc_issued_by", as: String.self))
            }
            var online: AuthenticatorOnlineCode?
            if let hash = try row.decode(column: "online_hash", as: String?.self) {
                online = AuthenticatorOnlineCode(linkID: link.id, codeHash: hash,
                                                 expiresAt: Row.date(try row.decode(column: "online_expires_at", as: Int64.self)),
                                                 usedAt: try row.decode(column: "online_used_at", as: Int64?.self).map(Row.date))
            }
            return AuthenticatorCurrent(link: link, device: try Self.authenticatorDevice(from: row), deviceLinks: links, ubc: ubc, onlineCode: online)
        }
    }

    public func touchDevice(id: UUID, at: Date) async throws {
        try await backend.write(lane: Self.authenticatorLane) { db in
            try await db.raw("""
                UPDATE authenticator_devices SET last_seen_at = \(bind: Row.millis(at))
                WHERE id = \(bind: Row.id(id)) AND (last_seen_at IS NULL OR last_seen_at < \(bind: Row.millis(at)))
                """).run()
        }
    }

    // MARK: challenges

    public func insertChallenge(_ c: AuthenticatorChallenge, now: Date) async throws {
        try await backend.write(lane: Self.authenticatorLane) { db in
            // Why here: expired challenges are useless, and this keeps the table as small as the traffic of 2 minutes.
            try await db.raw("DELETE FROM authenticator_challenges WHERE expires_at <= \(bind: Row.millis(now))").run()
            try await db.raw("""
                INSERT INTO authenticator_challenges (hash, device_id, expires_at)
                VALUES (\(bind: c.hash), \(bind: Row.id(c.deviceID)), \(bind: Row.millis(c.expiresAt)))
                """).run()
        }
    }

    public func takeChallenge(hash: String, deviceID: UUID, now: Date) async throws -> Bool {
        try await backend.write(lane: Self.authenticatorLane) { db in
            // The single-use guard: one DELETE … RETURNING; of concurrent takes one deletes the row, the others find none.
            try await db.raw("""
                DELETE FROM authenticator_challenges
                WHERE hash = \(bind: hash) AND device_id = \(bind: Row.id(deviceID)) AND expires_at > \(bind: Row.millis(now))
                RETURNING hash
                """).first() != nil
        }
    }

    // MARK: helpers

    /// The write lane of the Authenticator's unaudited bookkeeping (challenges, last seen): its own, so that it neither
    /// waits behind nor holds up a tenant's audited writes.
    static let authenticatorLane = "authenticator:bookkeeping"

    /// Runs `body` in a savepoint of the caller's transaction: when `body` returns false, everything it wrote is undone
    /// (the transaction goes on); when it throws, the caller's transaction rolls back as usual.
    static func allOrNothing(_ db: any SQLDatabase, _ body: () async throws -> Bool) async throws -> Bool {
        try await db.raw("SAVEPOINT authenticator_write").run()
        guard try await body() else {
            try await db.raw("ROLLBACK TO SAVEPOINT authenticator_write").run()
            try await db.raw("RELEASE SAVEPOINT authenticator_write").run()
            return false
        }
        try await db.raw("RELEASE SAVEPOINT authenticator_write").run()
        return true
    }

    static func insertAuthenticator(device d: AuthenticatorDevice, in db: any SQLDatabase) async throws {
        try await db.raw("""
            INSERT INTO authenticator_devices (id, public_key, name, model, pin_key, pin_verifier, pin_length, pin_failures, created_at, last_seen_at)
            VALUES (\(bind: Row.id(d.id)), \(bind: Data(d.publicKey).base64EncodedString()), \(bind: d.name), \(bind: d.model),
              \(bind: d.pinKey.text), \(bind: d.pinVerifier.text), \(bind: Int64(d.pinLength)), \(bind: Int64(d.pinFailures)),
              \(bind: Row.millis(d.createdAt)), \(bind: d.lastSeenAt.map(Row.millis)))
            """).run()
    }

    static func insertAuthenticator(link l: AuthenticatorLink, in db: any SQLDatabase) async throws {
        try await db.raw("""
            INSERT INTO authenticator_links (id, device_id, tenant_id, user_id, org_key, state, blocked_reason, last_step, created_at,
              blocked_at, deactivated_at)
            VALUES (\(bind: Row.id(l.id)), \(bind: Row.id(l.deviceID)), \(bind: Row.id(l.tenantID)), \(bind: Row.id(l.userID)),
              \(bind: l.orgKey.text), \(bind: l.state.rawValue), \(bind: l.blockedReason?.rawValue), \(bind: l.lastStep),
              \(bind: Row.millis(l.createdAt)), \(bind: l.blockedAt.map(Row.millis)), \(bind: l.deactivatedAt.map(Row.millis)))
            """).run()
    }

    static func sealed(_ row: any SQLRow, _ column: String) throws -> SealedSecret {
        guard let s = SealedSecret(text: try row.decode(column: column, as: String.self)) else {
            throw LifelineError(.integrity, "column \(column) is not in sealed form")
        }
        return s
    }

    static func authenticatorActivation(from row: any SQLRow) throws -> AuthenticatorActivation {
        AuthenticatorActivation(id: try Row.uuid(row, "id"), codeHash: try row.decode(column: "code_hash", as: String.self),
                                tenantID: try Row.uuid(row, "tenant_id"), userID: try Row.uuid(row, "user_id"),
                                issuedBy: try row.decode(column: "issued_by", as: String.self),
                                createdAt: Row.date(try row.decode(column: "created_at", as: Int64.self)),
                                expiresAt: Row.date(try row.decode(column: "expires_at", as: Int64.self)),
                                usedAt: try row.decode(column: "used_at", as: Int64?.self).map(Row.date))
    }

    static func authenticatorDevice(from row: any SQLRow) throws -> AuthenticatorDevice {
        guard let key = Data(base64Encoded: try row.decode(column: "public_key", as: String.self)) else {
            throw LifelineError(.integrity, "column public_key is not base64")
        }
        return AuthenticatorDevice(id: try Row.uuid(row, "id"), publicKey: Array(key), name: try row.decode(column: "name", as: String.self),
                                   model: try row.decode(column: "model", as: String.self), pinKey: try sealed(row, "pin_key"),
                                   pinVerifier: try sealed(row, "pin_verifier"), pinLength: Int(try row.decode(column: "pin_length", as: Int64.self)),
                                   pinFailures: Int(try row.decode(column: "pin_failures", as: Int64.self)),
                                   createdAt: Row.date(try row.decode(column: "created_at", as: Int64.self)),
                                   lastSeenAt: try row.decode(column: "last_seen_at", as: Int64?.self).map(Row.date))
    }

    static func authenticatorLink(from row: any SQLRow) throws -> AuthenticatorLink {
        var reason: AuthenticatorBlockReason?
        if let text = try row.decode(column: "blocked_reason", as: String?.self) {
            guard let r = AuthenticatorBlockReason(rawValue: text) else { throw LifelineError(.integrity, "column blocked_reason holds an unknown value") }
            reason = r
        }
        return AuthenticatorLink(id: try Row.uuid(row, "id"), deviceID: try Row.uuid(row, "device_id"), tenantID: try Row.uuid(row, "tenant_id"),
                                 userID: try Row.uuid(row, "user_id"), orgKey: try sealed(row, "org_key"),
                                 state: try Row.enumValue(row, "state", as: AuthenticatorLinkState.self), blockedReason: reason,
                                 lastStep: try row.decode(column: "last_step", as: Int64?.self),
                                 createdAt: Row.date(try row.decode(column: "created_at", as: Int64.self)),
                                 blockedAt: try row.decode(column: "blocked_at", as: Int64?.self).map(Row.date),
                                 deactivatedAt: try row.decode(column: "deactivated_at", as: Int64?.self).map(Row.date))
    }
}
