import Foundation
import LifelineApp
import LifelineCore
@testable import LifelineStore
import LifelineTestStore
import Testing

/// The in-memory store (LifelineTestStore) against the SQL store: one scenario through the ports' contracts, run on
/// each, must give the same trace. Why a trace and not the whole contract suite: the suite reads and tampers with the
/// SQL tables directly; the trace checks what every port promises (conflicts, compare-and-sets, single use, counters
/// with limits, all-or-nothing units of work, the emergency-code rules, the hash-chained audit log).
@Suite("In-memory store: faithful to the store contract")
struct InMemoryStoreFaithfulnessTests {
    /// Runs the scenario on `store` and returns what it observed, one line per check.
    static func scenario(_ store: any LifelineStorage) async throws -> [String] {
        var trace: [String] = []
        func note(_ line: String) { trace.append(line) }
        func code(_ error: any Error) -> String {
            if let e = error as? LifelineError { return "\(e.code)" }
            if error is CounterLimitReached { return "limit" }
            return "error"
        }

        // Tenants and users: unique names, conflicts write nothing.
        let tenant = Fixture.tenant()
        try await store.insertTenant(tenant, audit: Fixture.audit("tenant.create", subject: "acme"))
        do { try await store.insertTenant(Fixture.tenant(), audit: Fixture.audit("tenant.create")); note("second tenant stored") } catch { note("tenant \(code(error))") }
        let user = Fixture.user(tenant)
        try await store.insertUser(user, contacts: [], audit: Fixture.audit("user.create"))
        do { try await store.insertUser(Fixture.user(tenant, "ALICE"), contacts: [], audit: Fixture.audit("user.create")); note("second user stored") } catch { note("user \(code(error))") }
        note("users \(try await store.users(tenantID: tenant.id).map(\.username))")

        // Tokens: single use, the fail-counter compare-and-set, lock, unlock, tenant scope.
        let token = Fixture.token(user, maxFail: 2)
        try await store.insertToken(token, username: user.username, audit: Fixture.audit("token.enroll"))
        let id = token.token.id
        note("consume 5: \(try await store.consume(tokenID: id, step: 5, drift: 0, seenFailCount: 0, now: Fixture.t0, audit: Fixture.audit("validate", outcome: "accept")))")
        note("consume 5 again: \(try await store.consume(tokenID: id, step: 5, drift: 0, seenFailCount: 0, now: Fixture.t0, audit: Fixture.audit("validate", outcome: "accept")))")
        try await store.recordFailure([TokenFailure(tokenID: id, seenFailCount: 0, throttledUntil: nil, lock: false)], audit: Fixture.audit("validate", outcome: "reject"))
        try await store.recordFailure([TokenFailure(tokenID: id, seenFailCount: 0, throttledUntil: nil, lock: false)], audit: Fixture.audit("validate", outcome: "reject"))
        note("consume 6 with a stale count: \(try await store.consume(tokenID: id, step: 6, drift: 0, seenFailCount: 0, now: Fixture.t0, audit: Fixture.audit("validate")))")
        try await store.recordFailure([TokenFailure(tokenID: id, seenFailCount: 1, throttledUntil: nil, lock: true)], audit: Fixture.audit("validate", outcome: "reject"))
        let locked = try await store.storedToken(id: id, tenantID: tenant.id)?.token
        note("after failures: \(locked.map { "\($0.state) \($0.failCount)" } ?? "gone")")

        // The emergency code: uses, the rules of the unit of work, replacement.
        let stored = StoredEmergencyCode(tenantID: tenant.id, state: EmergencyCodeState(userID: user.id, templateID: "t", issuedAt: Fixture.t0,
                                                                                         expiresAt: nil, maxUses: 2, usesLeft: 2),
                                         hash: "h1", keyID: "k")
        try await store.putEmergencyCode(stored, audit: Fixture.audit("emergency_code.issue"))
        for i in 1...3 { note("use \(i): \(try await store.useEmergencyCode(userID: user.id, hash: "h1", now: Fixture.t0, audit: Fixture.audit("validate")))") }
        var second = stored
        second.hash = "h2"
        try await store.putEmergencyCode(second, audit: Fixture.audit("emergency_code.issue"))
        note("unlock: \(try await store.unlockTokens(userID: user.id, audit: Fixture.audit("token.unlock")))")
        note("code after unlock: \(try await store.emergencyCode(userID: user.id).map { "\($0.state.status) \($0.state.revokedReason ?? "")" } ?? "none")")
        note("unlock again: \(try await store.unlockTokens(userID: user.id, audit: Fixture.audit("token.unlock")))")
        try await store.putEmergencyCode(second, audit: Fixture.audit("emergency_code.issue"))
        // A unit of work that fails is written not at all: the contact of a user that does not exist.
        do {
            try await store.transaction { tx in
                tx.revokeEmergencyCode(userID: user.id, reason: "test", at: Fixture.t0)
                tx.append(Fixture.audit("test.event"))
                tx.insertContact(Contact(id: UUID(), userID: UUID(), kind: .email, value: "x@y.cz", verified: true, createdAt: Fixture.t0))
            }
            note("orphan contact stored")
        } catch { note("orphan contact refused") }
        note("code after the failed unit: \(try await store.emergencyCode(userID: user.id)?.state.status.rawValue ?? "none")")
        try await store.insertContact(Contact(id: UUID(), userID: user.id, kind: .phone, value: "+420777000111", verified: true, createdAt: Fixture.t0),
                                      username: user.username, audit: Fixture.audit("contact.add"))
        note("code after a contact: \(try await store.emergencyCode(userID: user.id).map { "\($0.state.status) \($0.state.revokedReason ?? "")" } ?? "none")")
        var third = stored
        third.hash = "h3"
        try await store.putEmergencyCode(third, audit: Fixture.audit("emergency_code.issue"))
        for i in 1...3 {
            try await store.recordEmergencyCodeFailure(userID: user.id, now: Fixture.t0, maxFailures: 2, audit: Fixture.audit("validate", outcome: "reject"))
            note("failure \(i): \(try await store.emergencyCode(userID: user.id).map { "\($0.state.status) \($0.state.failCount) \($0.state.revokedReason ?? "")" } ?? "none")")
        }
        note("set state of another tenant's token: \(try await store.setState(tokenID: id, tenantID: UUID(), state: .disabled, resetFailCount: false, owner: (user.id, user.username), audit: Fixture.audit("token.disable")) == nil)")

        // Flows: the version compare-and-set; counters with limits refuse the whole change.
        let flow = RecoveryFlow(id: UUID(), tenantID: tenant.id, tenant: tenant.name, username: "alice", userID: user.id, language: "en",
                                createdAt: Fixture.t0, expiresAt: Fixture.time(900_000))
        try await store.insertFlow(flow, outbox: [], audit: [Fixture.audit("recovery.start")], counters: [CounterIncrement("sends", limit: 2)])
        let current = try #require(try await store.flow(id: flow.id))
        note("update v\(current.version): \(try await store.updateFlow(current, outbox: [], audit: [Fixture.audit("recovery.step")], counters: ["steps"]))")
        note("update v\(current.version) again: \(try await store.updateFlow(current, outbox: [], audit: [Fixture.audit("recovery.step")], counters: ["steps"]))")
        var next = try #require(try await store.flow(id: flow.id))
        note("update v\(next.version) with sends: \(try await store.updateFlow(next, outbox: [], audit: [Fixture.audit("recovery.send")], counters: [CounterIncrement("sends", limit: 2)]))")
        next = try #require(try await store.flow(id: flow.id))
        do {
            _ = try await store.updateFlow(next, outbox: [], audit: [Fixture.audit("recovery.send")], counters: [CounterIncrement("sends", limit: 2)])
            note("third send stored")
        } catch { note("third send \(code(error))") }
        note("flow version \(try await store.flow(id: flow.id)?.version ?? -1), sends \(try await store.counter("sends").count), steps \(try await store.counter("steps").count)")

        // API keys: a revocation takes effect once.
        let key = APIKey(id: "k1", name: "key", role: .validate, tenantID: tenant.id, secretHash: [1, 2, 3], createdAt: Fixture.t0)
        try await store.insertAPIKey(key, audit: Fixture.audit("apikey.create"))
        do { try await store.insertAPIKey(key, audit: Fixture.audit("apikey.create")); note("duplicate key stored") } catch { note("duplicate key refused") }
        note("revoke: \(try await store.revokeAPIKey(id: "k1", at: Fixture.t0, audit: Fixture.audit("apikey.revoke"))?.revoked ?? false)")
        note("revoke again: \(try await store.revokeAPIKey(id: "k1", at: Fixture.t0, audit: Fixture.audit("apikey.revoke"))?.revoked ?? true)")

        // Guessing budgets: charged until paused.
        let budget = GuessBudgetKey(tenantID: tenant.id, usernameKey: "alice")
        var results: [String] = []
        for _ in 0..<12 {
            switch try await store.chargeGuess(budget, policy: GuessBudgetPolicy(), now: Fixture.t0) {
            case .charged: results.append("c")
            case .paused: results.append("p")
            }
        }
        note("budget \(results.joined())")

        // The audit log: every write audited once, in one intact chain per tenant.
        let verification = try await store.verifyChain()
        note("audit: \(verification.count) events, broken: \(verification.broken.map { "\($0.seq) \($0.reason)" } ?? "no")")
        note("events: \(try await store.recentEvents(tenant: "acme", limit: 100).reversed().map { "\($0.record.event) \($0.record.reason)" })")
        return trace
    }

    @Test("the same scenario gives the same trace on the in-memory store as on SQLite (and PostgreSQL)", arguments: Backend.available)
    func sameTrace(_ backend: Backend) async throws {
        let memory = try await Self.scenario(InMemoryStore(vault: try FileKeyVaultForTests.make()))
        try await withStore(backend) { store, _ in
            let sql = try await Self.scenario(store)
            #expect(memory == sql)
            for (m, s) in zip(memory, sql) where m != s { Issue.record("in memory: \(m)\nSQL:       \(s)") }
        }
        #expect(memory.contains("consume 5 again: false"))
        #expect(memory.contains("third send limit"))
        #expect(memory.contains("failure 2: revoked 2 too many wrong codes") && memory.contains("failure 3: revoked 2 too many wrong codes"))
    }
}

/// A key vault for the in-memory store (its own temp key file).
enum FileKeyVaultForTests {
    static func make() throws -> any KeyVault {
        try FileKeyVault(path: FileManager.default.temporaryDirectory.appendingPathComponent("lifeline-keys-\(UUID().uuidString).json").path,
                         random: SystemRandom())
    }
}
