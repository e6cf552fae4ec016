import Foundation
import LifelineCore
@testable import LifelineStore
import Testing

/// The dispatcher's side of the outbox: claim with a lease, mark sent (body wiped) or failed (retry or give up).
@Suite("Outbox store")
struct OutboxStoreTests {
    typealias R = RecoveryFixture

    /// Queues `messages` the only way the core does: with a flow change.
    static func queue(_ store: SQLStore, _ tenant: Tenant, _ messages: [OutboxMessage]) async throws {
        try await store.insertFlow(R.flow(tenant, user: nil), outbox: messages, audit: [], counters: [])
    }

    static func message(_ store: SQLStore, _ id: UUID) async throws -> OutboxMessage {
        try #require(try await store.recentMessages(limit: 1000).first { $0.id == id })
    }

    static func tenant(_ store: SQLStore) async throws -> Tenant {
        let t = Fixture.tenant()
        try await store.insertTenant(t, audit: Fixture.audit("tenant.create"))
        return t
    }

    @Test("claim returns due pending messages once per lease", arguments: Backend.available)
    func claimLeases(_ backend: Backend) async throws {
        try await withStore(backend) { store, _ in
            let tenant = try await Self.tenant(store)
            let a = R.message("a", created: 2, due: 0), b = R.message("b", created: 1, due: 500)
            let future = R.message("f", created: 0, due: 100_000)
            let suppressed = R.message("s", created: 0, due: 0, status: .suppressed)
            let sent = R.message("x", created: 0, due: 0, status: .sent)
            let failed = R.message("y", created: 0, due: 0, status: .failed)
            try await Self.queue(store, tenant, [a, b, future, suppressed, sent, failed])

            let now = Fixture.time(1_000)
            let claimed = try await store.claim(now: now, lease: 30, limit: 10)
            #expect(Set(claimed.map(\.id)) == [a.id, b.id])
            #expect(claimed.count == 2)
            for m in claimed {
                #expect(m.status == .sending)
                #expect(m.attempts == 1)
                #expect(m.leaseUntil == Fixture.time(31_000))
                #expect(m.body != nil)
            }
            #expect(claimed.first { $0.id == a.id }?.body == a.body)
            #expect(try await Self.message(store, a.id).status == .sending)

            // Not again while the lease runs (also not at its last instant).
            let during = try await store.claim(now: now, lease: 30, limit: 10)
            #expect(during.isEmpty)
            let later = try await store.claim(now: Fixture.time(20_000), lease: 30, limit: 10)
            #expect(later.isEmpty)
            let atEnd = try await store.claim(now: Fixture.time(31_000), lease: 30, limit: 10)
            #expect(atEnd.isEmpty)
            // After the lease (a crashed dispatcher): claimable again, one more attempt.
            let again = try await store.claim(now: Fixture.time(31_001), lease: 60, limit: 10)
            #expect(Set(again.map(\.id)) == [a.id, b.id])
            #expect(again.map(\.attempts) == [2, 2])
            #expect(again.map(\.leaseUntil) == [Fixture.time(91_001), Fixture.time(91_001)])
            #expect(try await store.markSent(id: a.id, attempt: 2, at: Fixture.time(31_002)))
            #expect(try await store.markSent(id: b.id, attempt: 2, at: Fixture.time(31_003)))
            // The future message becomes due.
            let early = try await store.claim(now: Fixture.time(99_999), lease: 30, limit: 10)
            #expect(early.isEmpty)
            let due = try await store.claim(now: Fixture.time(100_000), lease: 30, limit: 10)
            #expect(due.map(\.id) == [future.id])
            // Sent, failed and suppressed rows are never claimed.
            let sweep = try await store.claim(now: Fixture.time(10_000_000_000), lease: 30, limit: 100)
            #expect(sweep.map(\.id) == [future.id])
            #expect(try await Self.message(store, suppressed.id).status == .suppressed)
            #expect(try await Self.message(store, suppressed.id).attempts == 0)
            #expect(try await Self.message(store, sent.id).attempts == 0)
            #expect(try await Self.message(store, failed.id).attempts == 0)
        }
    }

    @Test("claim honours the limit", arguments: Backend.available)
    func claimLimit(_ backend: Backend) async throws {
        try await withStore(backend) { store, _ in
            let tenant = try await Self.tenant(store)
            let messages = (0..<5).map { R.message("\($0)", created: Int64($0)) }
            try await Self.queue(store, tenant, messages)
            let now = Fixture.time(1_000)
            // The limit takes the oldest due messages.
            let first = try await store.claim(now: now, lease: 30, limit: 2).map(\.createdAt)
            #expect(first.sorted() == [Fixture.time(0), Fixture.time(1)])
            let second = try await store.claim(now: now, lease: 30, limit: 2).map(\.createdAt)
            #expect(second.sorted() == [Fixture.time(2), Fixture.time(3)])
            let third = try await store.claim(now: now, lease: 30, limit: 2).map(\.createdAt)
            #expect(third == [Fixture.time(4)])
            let none = try await store.claim(now: now, lease: 30, limit: 2)
            #expect(none.isEmpty)
        }
    }

    @Test("two claimers (2 × 25 parallel claims, limit 1, 20 messages) never get one message twice", arguments: Backend.available)
    func concurrentClaimers(_ backend: Backend) async throws {
        try await withStore(backend, maxConnections: 20) { first, db in
            try await db.withSecondStore(maxConnections: 20) { second in
                let tenant = try await Self.tenant(first)
                let messages = (0..<20).map { R.message(String(format: "%02d", $0), created: Int64($0)) }
                try await Self.queue(first, tenant, messages)
                let now = Fixture.time(1_000)
                let results = try await withThrowingTaskGroup(of: [OutboxMessage].self) { group in
                    for i in 0..<50 {
                        let store = i % 2 == 0 ? first : second
                        group.addTask { try await store.claim(now: now, lease: 60, limit: 1) }
                    }
                    var all: [[OutboxMessage]] = []
                    for try await r in group { all.append(r) }
                    return all
                }
                #expect(results.allSatisfy { $0.count <= 1 }, "claim sizes \(results.map(\.count).sorted())")
                let ids = results.flatMap { $0.map(\.id) }
                #expect(ids.count == Set(ids).count, "a message was claimed twice")
                // Whatever a claim skipped under contention is still claimable; nothing is lost.
                let rest = try await first.claim(now: now, lease: 60, limit: 100).map(\.id)
                #expect(Set(ids).isDisjoint(with: rest))
                #expect(Set(ids + rest) == Set(messages.map(\.id)))
                #expect(ids.count == 20, "claimed \(ids.count) in the race")
                for m in try await first.recentMessages(limit: 100) {
                    #expect(m.attempts == 1)
                    #expect(m.status == .sending)
                }
            }
        }
    }

    @Test("markSent wipes the body and the message is never claimed again", arguments: Backend.available)
    func markSent(_ backend: Backend) async throws {
        try await withStore(backend) { store, _ in
            let tenant = try await Self.tenant(store)
            let m = R.message("a")
            try await Self.queue(store, tenant, [m])
            #expect(try await store.claim(now: Fixture.time(1_000), lease: 30, limit: 10).count == 1)
            #expect(try await store.markSent(id: m.id, attempt: 1, at: Fixture.time(2_000)))
            let sent = try await Self.message(store, m.id)
            #expect(sent.status == .sent)
            #expect(sent.sentAt == Fixture.time(2_000))
            #expect(sent.body == nil)
            #expect(sent.leaseUntil == nil)
            #expect(sent.attempts == 1)
            #expect(sent.recipient == m.recipient)
            #expect(try await store.int("SELECT COUNT(*) AS n FROM outbox WHERE body IS NOT NULL") == 0)
            #expect(try await store.claim(now: Fixture.time(1_000_000), lease: 30, limit: 10).isEmpty)
        }
    }

    @Test("markFailed with retryAt: pending again at that time, body kept", arguments: Backend.available)
    func markFailedRetry(_ backend: Backend) async throws {
        try await withStore(backend) { store, _ in
            let tenant = try await Self.tenant(store)
            let m = R.message("a")
            try await Self.queue(store, tenant, [m])
            _ = try await store.claim(now: Fixture.time(1_000), lease: 30, limit: 10)
            #expect(try await store.markFailed(id: m.id, attempt: 1, error: "gateway timeout", retryAt: Fixture.time(60_000)))
            let waiting = try await Self.message(store, m.id)
            #expect(waiting.status == .pending)
            #expect(waiting.nextAttemptAt == Fixture.time(60_000))
            #expect(waiting.leaseUntil == nil)
            #expect(waiting.lastError == "gateway timeout")
            #expect(waiting.body == m.body)
            // Not before retryAt (even after the old lease ended), then once.
            #expect(try await store.claim(now: Fixture.time(59_999), lease: 30, limit: 10).isEmpty)
            let retried = try await store.claim(now: Fixture.time(60_000), lease: 30, limit: 10)
            #expect(retried.map(\.id) == [m.id])
            #expect(retried.first?.attempts == 2)
            #expect(retried.first?.lastError == "gateway timeout")
        }
    }

    @Test("markFailed without retryAt: failed, body wiped, never claimed", arguments: Backend.available)
    func markFailedGiveUp(_ backend: Backend) async throws {
        try await withStore(backend) { store, _ in
            let tenant = try await Self.tenant(store)
            let m = R.message("a")
            try await Self.queue(store, tenant, [m])
            _ = try await store.claim(now: Fixture.time(1_000), lease: 30, limit: 10)
            let longError = String(repeating: "é", count: 800)
            #expect(try await store.markFailed(id: m.id, attempt: 1, error: longError, retryAt: nil))
            let failed = try await Self.message(store, m.id)
            #expect(failed.status == .failed)
            #expect(failed.body == nil)
            #expect(failed.leaseUntil == nil)
            #expect(failed.lastError == String(repeating: "é", count: 500))
            #expect(try await store.claim(now: Fixture.time(10_000_000), lease: 30, limit: 10).isEmpty)
        }
    }

    @Test("a dispatcher whose lease ran out cannot overwrite the next claimant's outcome (fencing by attempt)", arguments: Backend.available)
    func fencing(_ backend: Backend) async throws {
        try await withStore(backend) { store, _ in
            let tenant = try await Self.tenant(store)
            let m = R.message("a")
            try await Self.queue(store, tenant, [m])
            let first = try #require(try await store.claim(now: Fixture.time(1_000), lease: 30, limit: 1).first)
            // The first claim's lease ends; a second dispatcher claims and sends.
            let second = try #require(try await store.claim(now: Fixture.time(40_000), lease: 30, limit: 1).first)
            #expect(second.attempts == first.attempts + 1)
            #expect(try await store.markSent(id: m.id, attempt: second.attempts, at: Fixture.time(41_000)))
            // The first dispatcher's late failure (or success) changes nothing.
            #expect(try await store.markFailed(id: m.id, attempt: first.attempts, error: "late", retryAt: Fixture.time(50_000)) == false)
            #expect(try await store.markSent(id: m.id, attempt: first.attempts, at: Fixture.time(42_000)) == false)
            let row = try await Self.message(store, m.id)
            #expect(row.status == .sent && row.sentAt == Fixture.time(41_000) && row.lastError == "")
            #expect(try await store.claim(now: Fixture.time(100_000), lease: 30, limit: 10).isEmpty)
        }
    }

    @Test("suppressed (decoy) messages are never claimed", arguments: Backend.available)
    func suppressedNeverClaimed(_ backend: Backend) async throws {
        try await withStore(backend) { store, _ in
            let tenant = try await Self.tenant(store)
            let decoys = (0..<3).map { R.message("\($0)", status: .suppressed) }
            try await Self.queue(store, tenant, decoys)
            for t in [Int64(0), 1_000, 86_400_000, 10_000_000_000] {
                #expect(try await store.claim(now: Fixture.time(t), lease: 0, limit: 100).isEmpty)
            }
            #expect(try await store.recentMessages(limit: 10).allSatisfy { $0.status == .suppressed && $0.attempts == 0 && $0.body != nil })
        }
    }

    @Test("recentMessages is newest first and round-trips every field", arguments: Backend.available)
    func recentMessages(_ backend: Backend) async throws {
        try await withStore(backend) { store, _ in
            let tenant = try await Self.tenant(store)
            var email = R.message("e", created: 5, due: 7)
            email.channel = .email
            email.recipient = "alice@acme.cz"
            email.subject = "Your code – ACME"
            email.attempts = 2
            email.leaseUntil = Fixture.time(9)
            email.lastError = "earlier error"
            email.status = .sending
            let older = R.message("o", created: 1)
            try await Self.queue(store, tenant, [older, email])
            #expect(try await store.recentMessages(limit: 10) == [email, older])
            #expect(try await store.recentMessages(limit: 1) == [email])
        }
    }
}
