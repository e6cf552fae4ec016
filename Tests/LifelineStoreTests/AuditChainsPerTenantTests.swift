import Foundation
import LifelineCore
@testable import LifelineStore
import SQLKit
import Synchronization
import Testing

/// Issue 14 item 7: one audit chain per tenant plus one for global events, so that writes of different tenants do not
/// serialize on one head row.
@Suite("Audit chains per tenant")
struct AuditChainsPerTenantTests {
    static let tenants = ["acme", "beta", "gamma", "delta"]

    @Test("PostgreSQL: an append of one tenant completes while another tenant's append transaction is still open",
          arguments: Backend.available.filter { $0 == .postgres })
    func tenantsDoNotWait(_ backend: Backend) async throws {
        try await withStore(backend, maxConnections: 5) { store, _ in
            let (lockedStream, locked) = AsyncStream<Void>.makeStream()
            let (releaseStream, release) = AsyncStream<Void>.makeStream()
            // A write transaction that appended to acme's chain (so it holds acme's head row) and stays open.
            let holder = Task {
                try await store.backend.write { db in
                    try await store.appendAudit(Fixture.audit("held", tenant: "acme"), in: db)
                    locked.yield()
                    var it = releaseStream.makeAsyncIterator()
                    _ = await it.next()
                }
            }
            var lockedIt = lockedStream.makeAsyncIterator()
            _ = await lockedIt.next()
            let done = Mutex(false)
            let other = Task {
                try await store.append(Fixture.audit("meanwhile", tenant: "beta"))
                done.withLock { $0 = true }
            }
            // A bounded wait (up to 20 s), not a timing assertion: the append either completes while acme's
            // transaction is open or not.
            for _ in 0..<200 where !done.withLock({ $0 }) { try await Task.sleep(for: .milliseconds(100)) }
            let completed = done.withLock { $0 }
            release.finish()
            try await holder.value
            try await other.value
            #expect(completed, "beta's append waited for acme's open transaction")
            let result = try await store.verifyChain()
            #expect(result.broken == nil)
            #expect(result.count == 2)
        }
    }

    @Test("appends to 4 tenants and the global chain at once, through two stores, leave every chain valid and without gaps",
          arguments: Backend.available)
    func concurrentTenants(_ backend: Backend) async throws {
        try await withStore(backend, maxConnections: 20) { first, db in
            try await db.withSecondStore(maxConnections: 20) { second in
                try await withThrowingTaskGroup(of: Void.self) { group in
                    for i in 0..<100 {
                        let store = i.isMultiple(of: 2) ? first : second
                        let tenant: String? = i % 5 == 4 ? nil : Self.tenants[i % 5]
                        group.addTask { try await store.append(Fixture.audit("concurrent", tenant: tenant, reason: "\(i)", time: Fixture.time(Int64(i)))) }
                    }
                    try await group.waitForAll()
                }
            }
            let result = try await first.verifyChain()
            #expect(result.broken == nil)
            #expect(result.count == 100)
            #expect(Set(result.heads.keys) == Set(Self.tenants.map { "tenant:" + $0 } + ["global"]))
            for chain in result.heads.keys {
                #expect(try await first.auditSeqs(chain: chain) == Array(1...20))
                #expect(result.heads[chain]?.seq == 20)
            }
            let reasons = Set(try await first.recentEvents(tenant: nil, limit: 200).map(\.record.reason))
            #expect(reasons == Set((0..<100).map(String.init)))
        }
    }

    @Test("a chain deleted whole is reported against an anchor; events in a chain without a head are reported; an anchored chain renamed does not verify",
          arguments: Backend.available)
    func chainDeletedOrForged(_ backend: Backend) async throws {
        try await withStore(backend) { store, _ in
            _ = try await AuditChainStoreTests.appendEvents(store)
            let anchor = try #require(try await store.anchorChain(time: Fixture.t0, after: [:]).anchor)
            // Delete beta's chain: its events and its head. Alone, the remaining chains are valid.
            try await store.exec("DELETE FROM audit_events WHERE chain = 'tenant:beta'")
            try await store.exec("DELETE FROM audit_heads WHERE chain = 'tenant:beta'")
            let alone = try await store.verifyChain()
            #expect(alone.broken == nil)
            #expect(alone.heads.count == 2)
            let result = try await store.verifyChain(anchor: anchor, after: [:])
            #expect(result.broken?.chain == "tenant:beta")
            #expect(result.broken?.reason.contains("chain deleted") == true)

            // acme's chain relabelled as beta's (events and head): its MACs cover the chain id.
            try await store.exec("UPDATE audit_events SET chain = 'tenant:beta' WHERE chain = 'tenant:acme'")
            try await store.exec("UPDATE audit_heads SET chain = 'tenant:beta' WHERE chain = 'tenant:acme'")
            let relabelled = try await store.verifyChain()
            #expect(relabelled.broken?.chain == "tenant:beta")
            #expect(relabelled.broken?.seq == 1)
            #expect(relabelled.broken?.reason.contains("edited") == true)

            // Events of a chain that has no head row.
            try await store.exec("DELETE FROM audit_heads WHERE chain = 'tenant:beta'")
            let orphan = try await store.verifyChain()
            #expect(orphan.broken?.chain == "tenant:beta")
            #expect(orphan.broken?.reason.contains("no head") == true)
        }
    }

    @Test("migration 13 moves the events of before into the legacy chain, which still verifies and is checked against an anchor",
          arguments: Backend.available)
    func legacyChainAfterMigration(_ backend: Backend) async throws {
        try await withStore(backend, migrate: false) { store, db in
            // The schema of before (migrations 1 to 12) and three keyed events appended the way they were: one chain.
            try await store.backend.write { sql in
                try await sql.raw("CREATE TABLE schema_migrations (version BIGINT PRIMARY KEY, name TEXT NOT NULL, applied_at BIGINT NOT NULL)").run()
                for m in Migrations.all where m.version < 13 {
                    for statement in m.statements { try await sql.raw(SQLQueryString(statement)).run() }
                    try await sql.raw("INSERT INTO schema_migrations (version, name, applied_at) VALUES (\(bind: m.version), \(bind: m.name), 0)").run()
                }
            }
            let key = AuditKey.current(in: try await db.vault.ring())
            var previous = AuditChain.genesis
            for seq in Int64(1)...3 {
                let r = Fixture.audit("before", tenant: seq == 2 ? nil : "acme", reason: "\(seq)", time: Fixture.time(seq))
                let hash = AuditChain.hash(seq: seq, record: r, previousHash: previous, key: key)
                try await store.exec("""
                    INSERT INTO audit_events (seq, time, tenant, actor, subject, event, outcome, reason, source, prev_hash, hash, mac_key_id)
                    VALUES (\(bind: seq), \(bind: Row.millis(r.time)), \(bind: r.tenant), \(bind: r.actor), \(bind: r.subject), \(bind: r.event),
                      \(bind: r.outcome), \(bind: r.reason), \(bind: r.source), \(bind: previous), \(bind: hash), \(bind: key.id))
                    """)
                try await store.exec("UPDATE audit_head SET seq = \(bind: seq), hash = \(bind: hash) WHERE id = 1")
                previous = hash
            }
            #expect(try await store.migrate() == Migrations.all.map(\.version).filter { $0 >= 13 })
            try await store.append(Fixture.audit("after", tenant: "acme", time: Fixture.time(10)))
            let result = try await store.verifyChain()
            #expect(result.broken == nil)
            #expect(result.count == 4)
            #expect(result.heads.mapValues(\.seq) == [AuditChain.legacyChain: 3, "tenant:acme": 1])
            #expect(try await store.recentEvents(tenant: "acme", limit: 10).map(\.record.event) == ["after", "before", "before"])
            let anchor = try #require(try await store.anchorChain(time: Fixture.t0, after: [:]).anchor)
            #expect(anchor.heads.map(\.chain) == [AuditChain.legacyChain, "tenant:acme"])
            // Cutting the legacy chain's tail is shown by the anchor.
            let two = try #require(try await store.auditEvents().first { $0.chain == AuditChain.legacyChain && $0.seq == 2 })
            try await store.exec("DELETE FROM audit_events WHERE chain = 'legacy' AND seq = 3")
            try await store.exec("UPDATE audit_heads SET seq = 2, hash = \(bind: two.hash) WHERE chain = 'legacy'")
            #expect(try await store.verifyChain().broken == nil)
            let cut = try await store.verifyChain(anchor: anchor, after: [:])
            #expect(cut.broken?.chain == AuditChain.legacyChain)
            #expect(cut.broken?.reason.contains("tail cut") == true)
        }
    }
}
