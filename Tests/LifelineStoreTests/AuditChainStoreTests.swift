import Foundation
import LifelineCore
@testable import LifelineStore
import Testing

@Suite("Audit chain in the store")
struct AuditChainStoreTests {
    static let n = 12

    /// Appends `n` events (alternating tenants) and returns their records.
    static func appendEvents(_ store: SQLStore, count: Int = n) async throws -> [AuditRecord] {
        var records: [AuditRecord] = []
        for i in 1...count {
            let r = Fixture.audit("event.\(i)", tenant: i % 3 == 0 ? nil : (i.isMultiple(of: 2) ? "acme" : "beta"),
                                  subject: "subject \(i)", outcome: "success", reason: "reason \(i)", time: Fixture.time(Int64(i) * 1000))
            try await store.append(r)
            records.append(r)
        }
        return records
    }

    @Test("appended events read back chained and verify", arguments: Backend.available)
    func appendAndVerify(_ backend: Backend) async throws {
        try await withStore(backend) { store, db in
            let records = try await Self.appendEvents(store)
            let key = AuditKey.current(in: try await db.vault.ring())
            let result = try await store.verifyChain()
            #expect(result.count == Self.n)
            #expect(result.broken == nil)

            let all = try await store.recentEvents(tenant: nil, limit: 100)
            #expect(all.reversed().map(\.record) == records)
            // Three chains (acme, beta, global), each numbered from 1 and linked from the genesis value.
            #expect(Set(all.map(\.chain)) == ["tenant:acme", "tenant:beta", "global"])
            for chain in ["tenant:acme", "tenant:beta", "global"] {
                let chronological = all.reversed().filter { $0.chain == chain }
                #expect(chronological.map(\.seq) == Array(1...Int64(Self.n / 3)))
                #expect(chronological.allSatisfy { $0.chain == $0.record.chain })
                #expect(chronological.first?.previousHash == AuditChain.genesis)
                for (prev, next) in zip(chronological, chronological.dropFirst()) {
                    #expect(next.previousHash == prev.hash)
                }
                #expect(try await store.int("SELECT seq AS n FROM audit_heads WHERE chain = \(bind: chain)") == Int64(Self.n / 3))
            }
            for e in all {
                // Keyed: an HMAC under the chain key of the current key-encryption key, which the event names, over
                // the chain id too.
                #expect(e.macKeyID == key.id)
                #expect(e.hash == AuditChain.hash(seq: e.seq, record: e.record, previousHash: e.previousHash, key: key, chain: e.chain))
                #expect(e.hash != AuditChain.hash(seq: e.seq, record: e.record, previousHash: e.previousHash, key: key))
                #expect(e.hash != AuditChain.hash(seq: e.seq, record: e.record, previousHash: e.previousHash, chain: e.chain))
            }
            #expect(try await store.recentEvents(tenant: nil, limit: 3).map(\.record.reason) == ["reason 12", "reason 11", "reason 10"])
            #expect(try await store.recentEvents(tenant: "acme", limit: 100).map(\.record.reason) == ["reason 10", "reason 8", "reason 4", "reason 2"])
            #expect(try await store.recentEvents(tenant: "acme", limit: 100).map(\.seq) == [4, 3, 2, 1])
            #expect(try await store.recentEvents(tenant: "acme", limit: 2).map(\.seq) == [4, 3])
            #expect(try await store.int("SELECT COUNT(*) AS n FROM audit_heads") == 3)
        }
    }

    @Test("an edited event breaks the chain at that event", arguments: Backend.available)
    func editedEvent(_ backend: Backend) async throws {
        try await withStore(backend) { store, _ in
            _ = try await Self.appendEvents(store)
            // Event 7 is beta's third.
            try await store.exec("UPDATE audit_events SET reason = 'nothing happened' WHERE chain = 'tenant:beta' AND seq = 3")
            let result = try await store.verifyChain()
            #expect(result.broken?.seq == 3)
            #expect(result.broken?.chain == "tenant:beta")
            #expect(result.broken?.reason.contains("edited") == true)
        }
    }

    @Test("a deleted middle event breaks the chain", arguments: Backend.available)
    func deletedMiddleEvent(_ backend: Backend) async throws {
        try await withStore(backend) { store, _ in
            _ = try await Self.appendEvents(store)
            // Event 5 is beta's second.
            try await store.exec("DELETE FROM audit_events WHERE chain = 'tenant:beta' AND seq = 2")
            let result = try await store.verifyChain()
            #expect(result.broken?.seq == 2)
            #expect(result.broken?.chain == "tenant:beta")
            #expect(result.broken?.reason.contains("missing") == true)
        }
    }

    @Test("a deleted last event breaks the chain (head mismatch)", arguments: Backend.available)
    func deletedLastEvent(_ backend: Backend) async throws {
        try await withStore(backend) { store, _ in
            _ = try await Self.appendEvents(store)
            // Event 12 is the last of the global chain, its fourth.
            try await store.exec("DELETE FROM audit_events WHERE chain = 'global' AND seq = 4")
            let result = try await store.verifyChain()
            #expect(result.broken?.seq == 4)
            #expect(result.broken?.chain == "global")
            #expect(result.broken?.reason.contains("tail deleted") == true)
        }
    }

    @Test("an event forged beyond the head breaks the chain", arguments: Backend.available)
    func forgedTail(_ backend: Backend) async throws {
        try await withStore(backend) { store, _ in
            _ = try await Self.appendEvents(store)
            let last = try #require(try await store.recentEvents(tenant: nil, limit: 1).first)
            let forged = AuditChain.append(Fixture.audit("forged", tenant: nil), after: (last.seq, last.hash))
            try await store.exec("""
                INSERT INTO audit_events (chain, seq, time, tenant, actor, subject, event, outcome, reason, source, prev_hash, hash)
                VALUES (\(bind: last.chain), \(bind: forged.seq), \(bind: Int64(1_700_000_000_123)), NULL, 'cli', 'alice', 'forged', 'success', '',
                  '127.0.0.1', \(bind: forged.previousHash), \(bind: forged.hash))
                """)
            let result = try await store.verifyChain()
            #expect(last.chain == "global")
            #expect(result.broken?.seq == Int64(Self.n / 3 + 1))
            #expect(result.broken?.chain == "global")
        }
    }

    @Test("50 concurrent appends leave one valid chain without gaps", arguments: Backend.available)
    func concurrentAppends(_ backend: Backend) async throws {
        try await withStore(backend, maxConnections: 20) { store, _ in
            try await Self.appendConcurrently([store], count: 50)
            try await Self.expectCompleteChain(store, count: 50)
        }
    }

    @Test("two store instances appending 25 + 25 at once leave one valid chain", arguments: Backend.available)
    func concurrentAppendsTwoProcesses(_ backend: Backend) async throws {
        try await withStore(backend, maxConnections: 20) { first, db in
            try await db.withSecondStore(maxConnections: 20) { second in
                try await Self.appendConcurrently([first, second], count: 50)
            }
            try await Self.expectCompleteChain(first, count: 50)
        }
    }

    @Test("a remembered head that is stale (another store appended; a rolled-back append) is never chained onto",
          arguments: Backend.available)
    func staleRememberedHead(_ backend: Backend) async throws {
        try await withStore(backend) { first, db in
            try await db.withSecondStore { second in
                try await first.append(Fixture.audit("one", reason: "0", time: Fixture.time(0)))
                // The other store moves the head: the first one's remembered head is now one behind.
                try await second.append(Fixture.audit("two", reason: "1", time: Fixture.time(1)))
                try await first.append(Fixture.audit("three", reason: "2", time: Fixture.time(2)))
                // A transaction that appended and then failed: the first store remembers a head the database never kept.
                struct Boom: Error {}
                await #expect(throws: Boom.self) {
                    try await first.backend.write { db in
                        try await first.appendAudit(Fixture.audit("rolled back", reason: "x", time: Fixture.time(3)), in: db)
                        throw Boom()
                    }
                }
                #expect(first.auditHeads.withLock { $0["tenant:acme"]?.seq } == 4)
                // The same seq, another hash: the second store's event takes seq 4.
                try await second.append(Fixture.audit("four", reason: "3", time: Fixture.time(4)))
                try await first.append(Fixture.audit("five", reason: "4", time: Fixture.time(5)))
                try await first.append(Fixture.audit("six", reason: "5", time: Fixture.time(6)))
            }
            try await Self.expectCompleteChain(first, count: 6)
        }
    }

    @Test("a change with its audit event (one statement on PostgreSQL): nothing when the change matched no row; chained right with a fresh, stale or rolled-back remembered head",
          arguments: Backend.available)
    func changeThenAudit(_ backend: Backend) async throws {
        try await withStore(backend) { first, db in
            try await db.withSecondStore { second in
                let (tenant, _, stored) = try await Fixture.seedToken(first, type: .totp)
                let id = stored.token.id
                func lastUsed() async throws -> Int64? { try await second.storedToken(id: id, tenantID: tenant.id)?.token.lastUsed }
                let seeded = try await first.auditCount()
                // Fresh remembered head.
                #expect(try await first.consume(tokenID: id, step: 10, drift: 0, audit: Fixture.audit("validate", outcome: "accept")))
                #expect(first.auditHeads.withLock { $0["tenant:acme"]?.seq } == Int64(seeded + 1))
                // The change matches no row: no event, head unchanged.
                #expect(try await first.consume(tokenID: id, step: 10, drift: 0, audit: Fixture.audit("validate", outcome: "accept")) == false)
                #expect(try await first.auditCount() == seeded + 1)
                // Stale: the other store appended.
                try await second.append(Fixture.audit("other", reason: "x"))
                #expect(try await first.consume(tokenID: id, step: 11, drift: 0, audit: Fixture.audit("validate", outcome: "accept")))
                #expect(try await lastUsed() == 11)
                #expect(try await first.auditCount() == seeded + 3)
                // Rolled back: the change and its event are undone, the remembered head names an event never kept.
                struct Boom: Error {}
                await #expect(throws: Boom.self) {
                    try await first.backend.write { db in
                        #expect(try await first.changeThenAudit("""
                            UPDATE tokens SET last_used = 12 WHERE id = \(bind: Row.id(id)) RETURNING id
                            """, audit: Fixture.audit("validate", outcome: "accept"), in: db))
                        throw Boom()
                    }
                }
                #expect(try await lastUsed() == 11)
                #expect(try await first.consume(tokenID: id, step: 12, drift: 0, audit: Fixture.audit("validate", outcome: "accept")))
                #expect(try await lastUsed() == 12)
                #expect(try await first.auditCount() == seeded + 4)
                // The other store remembers the head from its own append, two events ago.
                #expect(second.auditHeads.withLock { $0["tenant:acme"]?.seq } == Int64(seeded + 2))
                #expect(try await second.consume(tokenID: id, step: 13, drift: 0, audit: Fixture.audit("validate", outcome: "accept")))
                let chain = try await first.verifyChain()
                #expect(chain.count == seeded + 5)
                #expect(chain.broken == nil)
                #expect(try await first.auditSeqs() == Array(1...Int64(seeded + 5)))
            }
        }
    }

    static func appendConcurrently(_ stores: [SQLStore], count: Int) async throws {
        try await withThrowingTaskGroup(of: Void.self) { group in
            for i in 0..<count {
                let store = stores[i % stores.count]
                group.addTask { try await store.append(Fixture.audit("concurrent", reason: "\(i)", time: Fixture.time(Int64(i)))) }
            }
            try await group.waitForAll()
        }
    }

    static func expectCompleteChain(_ store: SQLStore, count: Int) async throws {
        let result = try await store.verifyChain()
        #expect(result.count == count)
        #expect(result.broken == nil)
        #expect(try await store.auditSeqs() == Array(1...Int64(count)))
        let reasons = Set(try await store.recentEvents(tenant: nil, limit: count + 10).map(\.record.reason))
        #expect(reasons == Set((0..<count).map(String.init)))
    }
}
