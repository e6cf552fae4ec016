import Foundation
import LifelineCore
@testable import LifelineStore
import Testing

/// The single-use guard: any number of concurrent `consume` calls with one step succeed exactly once.
@Suite("Concurrency: single use of a code")
struct ConcurrencyTests {
    /// Runs `count` concurrent consumes of `step` on each store (round robin); returns how many succeeded.
    static func race(_ stores: [SQLStore], tokenID: UUID, step: Int64, count: Int) async throws -> Int {
        try await withThrowingTaskGroup(of: Bool.self) { group in
            for i in 0..<count {
                let store = stores[i % stores.count]
                group.addTask {
                    try await store.consume(tokenID: tokenID, step: step, drift: 0,
                                            audit: Fixture.audit("validate", outcome: "accept", reason: "attempt \(i)"))
                }
            }
            var wins = 0
            for try await won in group where won { wins += 1 }
            return wins
        }
    }

    @Test("50 concurrent consumes of one step: exactly one wins, one accept audited",
          arguments: Backend.available, [TokenType.totp, .hotp])
    func fiftyConcurrentConsumes(_ backend: Backend, _ type: TokenType) async throws {
        try await withStore(backend, maxConnections: 20) { store, _ in
            let (tenant, _, stored) = try await Fixture.seedToken(store, type: type)
            let wins = try await Self.race([store], tokenID: stored.token.id, step: 42, count: 50)
            #expect(wins == 1)
            #expect(try await store.int("SELECT COUNT(*) AS n FROM audit_events WHERE outcome = 'accept'") == 1)
            let token = try #require(try await store.storedToken(id: stored.token.id, tenantID: tenant.id)).token
            #expect(token.lastUsed == 42)
            #expect(token.counter == (type == .hotp ? 43 : 0))
            let chain = try await store.verifyChain()
            #expect(chain.count == 4)
            #expect(chain.broken == nil)

            // A second round with the next step also succeeds exactly once.
            #expect(try await Self.race([store], tokenID: stored.token.id, step: 43, count: 50) == 1)
            #expect(try await store.int("SELECT COUNT(*) AS n FROM audit_events WHERE outcome = 'accept'") == 2)
        }
    }

    @Test("two store instances (two processes) racing 25 + 25: exactly one wins", arguments: Backend.available)
    func twoProcessesRace(_ backend: Backend) async throws {
        try await withStore(backend, maxConnections: 20) { first, db in
            try await db.withSecondStore(maxConnections: 20) { second in
                let (tenant, _, stored) = try await Fixture.seedToken(first, type: .totp)
                #expect(try await second.storedToken(id: stored.token.id, tenantID: tenant.id) != nil)
                for step in Int64(100)..<103 {
                    let wins = try await Self.race([first, second], tokenID: stored.token.id, step: step, count: 50)
                    #expect(wins == 1, "step \(step)")
                }
                #expect(try await first.int("SELECT COUNT(*) AS n FROM audit_events WHERE outcome = 'accept'") == 3)
                #expect(try await second.storedToken(id: stored.token.id, tenantID: tenant.id)?.token.lastUsed == 102)
                let chain = try await second.verifyChain()
                #expect(chain.count == 6)
                #expect(chain.broken == nil)
            }
        }
    }
}
