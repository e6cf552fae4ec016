import Foundation
import LifelineCore
@testable import LifelineStore
import SQLKit
import Testing

/// API keys across processes: a key that another process revokes, or a row deleted by hand, must stop being
/// returned by every store within 5 s (issue 13 item 5). The stores run with their production re-check interval,
/// so the test checks the real guarantee, and polls rather than sleeping the whole budget.
@Suite("API key store")
struct APIKeyStoreTests {
    static let key = APIKey(id: "AbCdEf123456", name: "ops", role: .admin, tenantID: nil,
                            secretHash: APIKey.hash(secret: "s1"), createdAt: Fixture.time(5))

    /// Polls `check` every 100 ms for up to 5 s; returns whether it became true.
    static func within5s(_ check: () async throws -> Bool) async throws -> Bool {
        let deadline = ContinuousClock.now + .seconds(5)
        while ContinuousClock.now < deadline {
            if try await check() { return true }
            try await Task.sleep(for: .milliseconds(100))
        }
        return try await check()
    }

    @Test("a key row deleted by hand is gone for every store within 5 s", arguments: Backend.available)
    func deletedRowStopsWorking(_ backend: Backend) async throws {
        try await withStore(backend) { store, db in
            try await store.insertAPIKey(Self.key, audit: Fixture.audit("apikey.create", tenant: nil))
            try await db.withSecondStore { second in
                // Both stores have the key cached.
                #expect(try await store.apiKey(id: Self.key.id) != nil)
                #expect(try await second.apiKey(id: Self.key.id) != nil)
                try await store.exec("DELETE FROM api_keys WHERE id = 'AbCdEf123456'")
                #expect(try await Self.within5s { try await second.apiKey(id: Self.key.id) == nil }, "the other store still returns a deleted key after 5 s")
                #expect(try await Self.within5s { try await store.apiKey(id: Self.key.id) == nil }, "the store still returns a deleted key after 5 s")
            }
        }
    }

    @Test("a key revoked through one store is refused by another within 5 s; revoking is audited once", arguments: Backend.available)
    func revocationReachesOtherStores(_ backend: Backend) async throws {
        try await withStore(backend) { store, db in
            try await store.insertAPIKey(Self.key, audit: Fixture.audit("apikey.create", tenant: nil))
            try await db.withSecondStore { second in
                // Both stores have the key cached as live.
                #expect(try await store.apiKey(id: Self.key.id)?.revokedAt == nil)
                #expect(try await second.apiKey(id: Self.key.id)?.revokedAt == nil)
                let revoked = try await second.revokeAPIKey(id: Self.key.id, at: Fixture.time(10), audit: Fixture.audit("apikey.revoke", tenant: nil))
                #expect(revoked?.revoked == true)
                #expect(revoked?.key.revokedAt == Fixture.time(10))
                // The revoking store sees it at once, the other within the recheck interval.
                #expect(try await second.apiKey(id: Self.key.id)?.revokedAt == Fixture.time(10))
                #expect(try await Self.within5s { try await store.apiKey(id: Self.key.id)?.revokedAt != nil }, "the other store still has the key live after 5 s")
                // Idempotent: the first time stays and no second event is written.
                let again = try await store.revokeAPIKey(id: Self.key.id, at: Fixture.time(20), audit: Fixture.audit("apikey.revoke", tenant: nil))
                #expect(again?.revoked == false)
                #expect(again?.key.revokedAt == Fixture.time(10))
                #expect(try await store.int("SELECT COUNT(*) AS n FROM audit_events WHERE event = 'apikey.revoke'") == 1)
                #expect(try await store.revokeAPIKey(id: "AAAAAAAAAAAA", at: Fixture.time(20), audit: Fixture.audit("apikey.revoke")) == nil)
                #expect(try await store.verifyChain().broken == nil)
            }
        }
    }

    @Test("expiry, last use and creator round-trip; listing by tenant", arguments: Backend.available)
    func lifecycleColumns(_ backend: Backend) async throws {
        try await withStore(backend) { store, _ in
            let tenant = Fixture.tenant()
            try await store.insertTenant(tenant, audit: Fixture.audit("tenant.create"))
            var scoped = APIKey(id: "zzzzzz000000", name: "login app", role: .validate, tenantID: tenant.id,
                                secretHash: APIKey.hash(secret: "s2"), createdAt: Fixture.time(6), expiresAt: Fixture.time(100_000), createdBy: "demo")
            try await store.insertAPIKey(Self.key, audit: Fixture.audit("apikey.create", tenant: nil))
            try await store.insertAPIKey(scoped, audit: Fixture.audit("apikey.create"))
            #expect(try await store.apiKey(id: scoped.id) == scoped)
            #expect(try await store.apiKeys(tenantID: nil).map(\.id) == [Self.key.id, scoped.id])
            #expect(try await store.apiKeys(tenantID: tenant.id) == [scoped])
            try await store.recordAPIKeyUse(scoped, at: Fixture.time(50))
            scoped.lastUsedAt = Fixture.time(50)
            #expect(try await store.apiKeys(tenantID: tenant.id) == [scoped])
            // Within the minute nothing is written, and a time is never moved back.
            try await store.recordAPIKeyUse(scoped, at: Fixture.time(59_000))
            #expect(try await store.apiKeys(tenantID: tenant.id).first?.lastUsedAt == Fixture.time(50))
        }
    }

    @Test("the lifecycle migration gives older keys their creator from the audit log", arguments: Backend.available)
    func migrationBackfillsCreator(_ backend: Backend) async throws {
        try await withStore(backend, migrate: false) { store, _ in
            // The schema as it was before the lifecycle migration.
            let lifecycle = try #require(Migrations.all.first { $0.name == "api key lifecycle" })
            try await store.exec("CREATE TABLE schema_migrations (version BIGINT PRIMARY KEY, name TEXT NOT NULL, applied_at BIGINT NOT NULL)")
            for m in Migrations.all where m.version < lifecycle.version {
                for statement in m.statements { try await store.exec(SQLQueryString(statement)) }
                try await store.exec("INSERT INTO schema_migrations (version, name, applied_at) VALUES (\(bind: m.version), \(bind: m.name), 0)")
            }
            for (id, name) in [("DemoKey00001", "demo admin"), ("OpsKey000001", "ops"), ("NoEvent00001", "lost")] {
                try await store.exec("""
                    INSERT INTO api_keys (id, name, scope, tenant_id, secret_hash, created_at)
                    VALUES (\(bind: id), \(bind: name), 'admin', NULL, \(bind: Hex.encode(APIKey.hash(secret: "s"))), 1)
                    """)
            }
            // Their creation events as that schema held them: one chain, the head in audit_head.
            var previous = AuditChain.genesis
            for (seq, (id, actor)) in zip(Int64(1)..., [("DemoKey00001", "demo"), ("OpsKey000001", "cli")]) {
                let r = AuditRecord(time: Fixture.t0, tenant: nil, actor: actor, subject: "apikey:\(id)", event: "apikey.create",
                                    outcome: "success", reason: "admin", source: "")
                let hash = AuditChain.hash(seq: seq, record: r, previousHash: previous)
                try await store.exec("""
                    INSERT INTO audit_events (seq, time, tenant, actor, subject, event, outcome, reason, source, prev_hash, hash)
                    VALUES (\(bind: seq), \(bind: Row.millis(r.time)), NULL, \(bind: actor), \(bind: r.subject), \(bind: r.event),
                      \(bind: r.outcome), \(bind: r.reason), '', \(bind: previous), \(bind: hash))
                    """)
                try await store.exec("UPDATE audit_head SET seq = \(bind: seq), hash = \(bind: hash) WHERE id = 1")
                previous = hash
            }
            #expect(try await store.migrate().contains(lifecycle.version))
            let keys = try await store.apiKeys(tenantID: nil)
            #expect(Dictionary(uniqueKeysWithValues: keys.map { ($0.id, $0.createdBy) }) == ["DemoKey00001": "demo", "OpsKey000001": "cli", "NoEvent00001": ""])
            #expect(keys.allSatisfy { $0.revokedAt == nil && $0.expiresAt == nil && $0.lastUsedAt == nil })
            // Those events now form the legacy chain, which verifies.
            let chain = try await store.verifyChain()
            #expect(chain.broken == nil)
            #expect(chain.heads.mapValues(\.seq) == [AuditChain.legacyChain: 2])
        }
    }
}
