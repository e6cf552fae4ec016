import Foundation
import LifelineCore
@testable import LifelineStore
import Testing

/// The lost-token store contract (``LostTokenStore`` and its unit-of-work steps): one code under a race of marks, a
/// failure limit of N allowing N under a race, and the end on enable and enrolment in the trigger's transaction, on
/// SQLite and (when `LIFELINE_TEST_POSTGRES_URL` is set) PostgreSQL.
@Suite("Store contract: lost tokens")
struct LostTokenStoreTests {
    static let hash = String(repeating: "ab", count: 32)

    static func record(_ token: StoredToken, expires: Date = Fixture.time(7 * 86_400_000), hash: String = hash) -> LostToken {
        LostToken(tokenID: token.token.id, tenantID: token.token.tenantID, userID: token.token.userID, codeHash: hash, keyID: "k0001",
                  createdAt: Fixture.t0, expiresAt: expires)
    }

    /// Marks `token` lost in one unit with its audit record; whether it marked.
    static func mark(_ store: SQLStore, _ token: StoredToken, hash: String = hash) async throws -> Bool {
        var ref: UnitOfWork.Ref? = nil
        let outcome = try await store.transaction { tx in
            let r = tx.markTokenLost(record(token, hash: hash))
            tx.append(Fixture.audit("token.lost"), if: .changed(r))
            ref = r
        }
        return outcome.changed(ref!) > 0
    }

    static func events(_ store: SQLStore) async throws -> [String] {
        try await store.recentEvents(tenant: nil, limit: 100).reversed().map(\.record.event)
    }

    @Test("a mark disables an active or locked token and stores the record; a disabled token is not marked", arguments: Backend.available)
    func marks(_ backend: Backend) async throws {
        try await withStore(backend) { store, _ in
            let (tenant, _, token) = try await Fixture.seedToken(store)
            #expect(try await store.lostToken(tokenID: token.token.id) == nil)
            #expect(try await Self.mark(store, token))
            let stored = try #require(try await store.lostToken(tokenID: token.token.id))
            #expect(stored == Self.record(token))
            #expect(try await store.lostTokens(userID: token.token.userID) == [stored])
            #expect(try await store.storedToken(id: token.token.id, tenantID: tenant.id)?.token.state == .disabled)
            #expect(try await !Self.mark(store, token, hash: String(repeating: "cd", count: 32)), "already disabled")
            #expect(try await store.lostToken(tokenID: token.token.id)?.codeHash == Self.hash)
            #expect(try await Self.events(store).filter { $0 == "token.lost" }.count == 1)

            // A locked token can be marked; the record of an ended mark is replaced.
            try await store.exec("UPDATE tokens SET state = 'locked'")
            try await store.transaction { tx in tx.endLostTokens(userID: token.token.userID, reason: "test", at: Fixture.time(10)) }
            #expect(try await store.lostToken(tokenID: token.token.id)?.endedReason == "test")
            #expect(try await Self.mark(store, token, hash: String(repeating: "cd", count: 32)))
            let again = try #require(try await store.lostToken(tokenID: token.token.id))
            #expect(again.endedAt == nil && again.codeHash == String(repeating: "cd", count: 32))
        }
    }

    @Test("concurrent marks of one token from two store instances: exactly one marks (one code)", arguments: Backend.available)
    func racingMarks(_ backend: Backend) async throws {
        try await withStore(backend, maxConnections: 10) { first, db in
            try await db.withSecondStore(maxConnections: 10) { second in
                let (_, _, token) = try await Fixture.seedToken(first)
                let wins = try await withThrowingTaskGroup(of: Bool.self) { group in
                    for i in 0..<40 {
                        let store = i % 2 == 0 ? first : second
                        group.addTask { try await Self.mark(store, token, hash: String(format: "%064x", i)) }
                    }
                    var wins = 0
                    for try await won in group where won { wins += 1 }
                    return wins
                }
                #expect(wins == 1)
                #expect(try await first.int("SELECT COUNT(*) AS n FROM audit_events WHERE event = 'token.lost'") == 1)
                #expect(try await first.int("SELECT COUNT(*) AS n FROM lost_tokens") == 1)
            }
        }
    }

    @Test("a failure limit of 10 allows 10 under a race of 40: the 10th ends the record, once", arguments: Backend.available)
    func racingFailures(_ backend: Backend) async throws {
        try await withStore(backend, maxConnections: 10) { store, _ in
            let (_, _, token) = try await Fixture.seedToken(store)
            #expect(try await Self.mark(store, token))
            let results = try await withThrowingTaskGroup(of: UnitOfWork.StepResult?.self) { group in
                for _ in 0..<40 {
                    group.addTask {
                        try await store.transaction { tx in
                            tx.countLostTokenFailure(tokenID: token.token.id, at: Fixture.time(1000), pin: false, maxFailures: 10)
                        }.results[0]
                    }
                }
                var out: [UnitOfWork.StepResult?] = []
                for try await r in group { out.append(r) }
                return out
            }
            #expect(results.filter { ($0?.changed ?? 0) > 0 }.count == 10)
            #expect(results.filter { $0?.reachedLimit == true }.count == 1)
            let ended = try #require(try await store.lostToken(tokenID: token.token.id))
            #expect(ended.failCount == 10 && ended.endedReason == LostTokenRules.Trigger.tooManyFailures.rawValue)
            #expect(ended.endedAt == Fixture.time(1000))
        }
    }

    @Test("use: only the right hash on a live record; it clears the counts; not after expiry or end", arguments: Backend.available)
    func use(_ backend: Backend) async throws {
        try await withStore(backend) { store, _ in
            let (_, _, token) = try await Fixture.seedToken(store)
            #expect(try await Self.mark(store, token))
            func use(_ hash: String, at: Date) async throws -> Bool {
                try await store.transaction { tx in tx.useLostToken(tokenID: token.token.id, hash: hash, at: at) }.results[0]?.changed ?? 0 > 0
            }
            try await store.transaction { tx in tx.countLostTokenFailure(tokenID: token.token.id, at: Fixture.time(5), pin: true, maxFailures: 3) }
            #expect(try await store.lostToken(tokenID: token.token.id)?.pinFailCount == 1)
            #expect(try await !use(String(repeating: "00", count: 32), at: Fixture.time(10)))
            #expect(try await use(Self.hash, at: Fixture.time(10)))
            #expect(try await store.lostToken(tokenID: token.token.id)?.pinFailCount == 0)
            #expect(try await !use(Self.hash, at: Fixture.time(7 * 86_400_000)), "at expires_at it is expired")
            let ended = try await store.transaction { tx in
                tx.endLostTokens(userID: token.token.userID, reason: "late", at: Fixture.time(7 * 86_400_000))
            }
            #expect(ended.results[0]?.changed == 0, "an expired record is not ended")
        }
    }

    @Test("enabling a token or enrolling one ends the user's live code in the same transaction, audited token.lost_end", arguments: Backend.available)
    func endsOnTriggers(_ backend: Backend) async throws {
        try await withStore(backend) { store, _ in
            let (tenant, user, token) = try await Fixture.seedToken(store)
            #expect(try await Self.mark(store, token))
            _ = try await store.setState(tokenID: token.token.id, tenantID: tenant.id, state: .active, resetFailCount: true,
                                         owner: (user.id, user.username), audit: Fixture.audit("token.enable", subject: "token", time: Fixture.time(50)))
            var stored = try #require(try await store.lostToken(tokenID: token.token.id))
            #expect(stored.endedReason == "token activated" && stored.endedAt == Fixture.time(50))
            #expect(try await Self.events(store).suffix(2) == ["token.enable", "token.lost_end"])

            // Enrolment: and a failing enrolment (a duplicate id) ends nothing, as it writes nothing.
            #expect(try await Self.mark(store, token))
            await #expect(throws: (any Error).self) {
                try await store.insertToken(token, username: user.username, audit: Fixture.audit("token.enroll", time: Fixture.time(60)))
            }
            #expect(try await store.lostToken(tokenID: token.token.id)?.endedAt == nil)
            try await store.insertToken(Fixture.token(user, created: 70), username: user.username,
                                        audit: Fixture.audit("token.enroll", time: Fixture.time(70)))
            stored = try #require(try await store.lostToken(tokenID: token.token.id))
            #expect(stored.endedReason == "token enrolled")
            #expect(try await Self.events(store).suffix(2) == ["token.enroll", "token.lost_end"])
            #expect(try await store.verifyChain().broken == nil)
        }
    }

    @Test("deleting the token deletes its record", arguments: Backend.available)
    func deleteCascades(_ backend: Backend) async throws {
        try await withStore(backend) { store, _ in
            let (tenant, _, token) = try await Fixture.seedToken(store)
            #expect(try await Self.mark(store, token))
            #expect(try await store.deleteToken(id: token.token.id, tenantID: tenant.id, audit: Fixture.audit("token.delete")))
            #expect(try await store.lostToken(tokenID: token.token.id) == nil)
        }
    }
}
