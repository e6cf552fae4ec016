import Foundation
import LifelineCore
@testable import LifelineStore
import SQLKit

/// Values for store tests. Times are whole milliseconds, the precision the store keeps.
enum Fixture {
    static let t0 = Date(timeIntervalSince1970: 1_700_000_000.123)

    static func time(_ offsetMillis: Int64) -> Date {
        Date(timeIntervalSince1970: Double(Int64(1_700_000_000_123) + offsetMillis) / 1000)
    }

    static func audit(_ event: String = "test.event", tenant: String? = "acme", subject: String = "alice",
                      outcome: String = "success", reason: String = "", time: Date = t0) -> AuditRecord {
        AuditRecord(time: time, tenant: tenant, actor: "cli", subject: subject, event: event, outcome: outcome,
                    reason: reason, source: "127.0.0.1")
    }

    static func tenant(_ name: String = "acme", display: String = "ACME Corp") -> Tenant {
        Tenant(id: UUID(), name: name, displayName: display, createdAt: time(1))
    }

    static func user(_ tenant: Tenant, _ username: String = "Alice") -> User {
        User(id: UUID(), tenantID: tenant.id, username: username, displayName: "Alice Example", status: .active,
             language: "cs", createdAt: time(2))
    }

    static func sealed(_ keyID: String = "k0001") -> SealedSecret {
        SealedSecret(keyID: keyID, box: (0..<48).map { _ in UInt8.random(in: 0...255) })
    }

    static func token(_ user: User, type: TokenType = .totp, maxFail: Int = 10, counter: Int64 = 0,
                      lastUsed: Int64? = nil, created: Int64 = 3) -> StoredToken {
        let token = Token(id: UUID(), tenantID: user.tenantID, userID: user.id, type: type, algorithm: type == .totp ? .sha256 : .sha1,
                          digits: type == .totp ? 8 : 6, period: type == .totp ? 60 : nil, state: .active, failCount: 0,
                          maxFail: maxFail, drift: 0, counter: counter, lastUsed: lastUsed, label: "phone \(type.rawValue)",
                          createdAt: time(created))
        return StoredToken(token: token, secret: sealed())
    }

    /// Inserts a tenant and a user; two audit events.
    static func seedUser(_ store: SQLStore, tenantName: String = "acme") async throws -> (Tenant, User) {
        let t = tenant(tenantName)
        try await store.insertTenant(t, audit: audit("tenant.create", tenant: t.name, subject: t.name))
        let u = user(t)
        try await store.insertUser(u, contacts: [], audit: audit("user.create", tenant: t.name))
        return (t, u)
    }

    /// Inserts a tenant, a user and one token; three audit events.
    static func seedToken(_ store: SQLStore, type: TokenType = .totp, maxFail: Int = 10) async throws -> (Tenant, User, StoredToken) {
        let (t, u) = try await seedUser(store)
        let s = token(u, type: type, maxFail: maxFail)
        try await store.insertToken(s, audit: audit("token.enroll", tenant: t.name))
        return (t, u, s)
    }
}

extension SQLStore {
    /// A token's stored fail counter (0 for no such token).
    func storedFailCount(_ tokenID: UUID) async throws -> Int {
        try await backend.read { db in
            Int(try await db.raw("SELECT fail_count FROM tokens WHERE id = \(bind: Row.id(tokenID))").first()?.decode(column: "fail_count", as: Int64.self) ?? 0)
        }
    }

    /// `consume` with the fail counter as stored now, for tests of the single-use guard (the compare-and-set on the
    /// counter has tests of its own).
    func consume(tokenID: UUID, step: Int64, drift: Int64, audit: AuditRecord) async throws -> Bool {
        try await consume(tokenID: tokenID, step: step, drift: drift, seenFailCount: try await storedFailCount(tokenID), now: audit.time, audit: audit)
    }

    /// One failure on each token as the validation service computes it at `maxFail` (no throttle).
    func recordFailure(tokenIDs: [UUID], audit: AuditRecord) async throws {
        var failures: [TokenFailure] = []
        for id in tokenIDs {
            let seen = try await storedFailCount(id)
            let maxFail = try await backend.read { db in
                Int(try await db.raw("SELECT max_fail FROM tokens WHERE id = \(bind: Row.id(id))").first()?.decode(column: "max_fail", as: Int64.self) ?? 0)
            }
            failures.append(TokenFailure(tokenID: id, seenFailCount: seen, throttledUntil: nil, lock: seen + 1 >= maxFail))
        }
        try await recordFailure(failures, audit: audit)
    }
}

/// The credential changes as the services make them (the core's composition in `TransactionStore+Credentials`, with
/// the owner's username read from the store), so that the store tests exercise the rule and the adapter together.
extension TransactionStore where Self: UserStore & TokenStore {
    func insertToken(_ token: StoredToken, audit: AuditRecord) async throws {
        try await insertToken(token, username: try await user(id: token.token.userID)?.username ?? "", audit: audit)
    }

    func insertContact(_ contact: Contact, audit: AuditRecord) async throws {
        try await insertContact(contact, username: try await user(id: contact.userID)?.username ?? "", audit: audit)
    }

    func setState(tokenID: UUID, tenantID: UUID, state: TokenState, resetFailCount: Bool, audit: AuditRecord) async throws -> Token? {
        guard let owner = try await storedToken(id: tokenID, tenantID: tenantID)?.token.userID else { return nil }
        return try await setState(tokenID: tokenID, tenantID: tenantID, state: state, resetFailCount: resetFailCount,
                                  owner: (owner, try await user(id: owner)?.username ?? ""), audit: audit)
    }
}
