import Foundation
import LifelineApp
import LifelineCore
@testable import LifelineStore
import Testing

/// The recovery-code store contract and its single-use guard under concurrency, on SQLite and (when
/// `LIFELINE_TEST_POSTGRES_URL` is set) PostgreSQL.
@Suite("Store contract: recovery codes")
struct RecoveryCodeStoreTests {
    static func set(_ user: User, id: UUID = UUID(), codes: Int = 10) -> RecoveryCodeSet {
        RecoveryCodeSet(userID: user.id, tenantID: user.tenantID, setID: id, issuedAt: Fixture.t0, total: codes, remaining: codes)
    }

    static func codes(_ n: Int = 10, tag: String = "h") -> [StoredRecoveryCode] {
        (0..<n).map { StoredRecoveryCode(lookup: String(format: "%02d", $0), hash: "\(tag)\($0)") }
    }

    static func events(_ store: SQLStore) async throws -> [AuditRecord] { try await store.recentEvents(tenant: nil, limit: 100).reversed().map(\.record) }

    @Test("a set reads back with its codes; a new set replaces the old one whole and revokes it audibly", arguments: Backend.available)
    func putAndReplace(_ backend: Backend) async throws {
        try await withStore(backend) { store, _ in
            let (_, user) = try await Fixture.seedUser(store)
            #expect(try await store.recoveryCodeSet(userID: user.id) == nil)
            #expect(try await store.recoveryCode(userID: user.id, lookup: "00") == nil)
            let first = Self.set(user)
            try await store.putRecoveryCodes(first, codes: Self.codes(), outbox: [], audit: Fixture.audit("recovery_codes.issue"))
            #expect(try await store.recoveryCodeSet(userID: user.id) == first)
            let found = try #require(try await store.recoveryCode(userID: user.id, lookup: "03"))
            #expect(found.set == first && found.code == StoredRecoveryCode(lookup: "03", hash: "h3"))
            #expect(try await store.recoveryCode(userID: user.id, lookup: "ZZ")?.code == nil)

            let second = Self.set(user, codes: 10)
            try await store.putRecoveryCodes(second, codes: Self.codes(tag: "n"), outbox: [], audit: Fixture.audit("recovery_codes.issue"))
            #expect(try await store.recoveryCodeSet(userID: user.id)?.setID == second.setID)
            #expect(try await store.recoveryCode(userID: user.id, lookup: "03")?.code?.hash == "n3")
            #expect(try await store.int("SELECT COUNT(*) AS n FROM recovery_codes") == 10, "the old set's codes are gone")
            // The old set cannot be used any more.
            #expect(try await !store.useRecoveryCode(userID: user.id, setID: first.setID, lookup: "03", now: Fixture.time(10), outbox: [],
                                                      audit: Fixture.audit("validate", outcome: "accept")))
            let tail = try await Self.events(store).suffix(2).map { "\($0.event) \($0.reason)" }
            #expect(tail == ["recovery_codes.revoke replaced by a new set", "recovery_codes.issue "])
            #expect(try await store.verifyChain().broken == nil)
        }
    }

    @Test("each code is used once; a use clears the fail count; revoking stops every use", arguments: Backend.available)
    func useOnceAndRevoke(_ backend: Backend) async throws {
        try await withStore(backend) { store, _ in
            let (_, user) = try await Fixture.seedUser(store)
            let set = Self.set(user)
            try await store.putRecoveryCodes(set, codes: Self.codes(), outbox: [], audit: Fixture.audit("recovery_codes.issue"))
            try await store.recordRecoveryCodeFailure(userID: user.id, now: Fixture.time(1), maxFailures: 100, audit: Fixture.audit("validate", outcome: "reject"))
            #expect(try await store.recoveryCodeSet(userID: user.id)?.failCount == 1)
            #expect(try await store.useRecoveryCode(userID: user.id, setID: set.setID, lookup: "01", now: Fixture.time(2), outbox: [],
                                                     audit: Fixture.audit("validate", outcome: "accept")))
            #expect(try await !store.useRecoveryCode(userID: user.id, setID: set.setID, lookup: "01", now: Fixture.time(3), outbox: [],
                                                      audit: Fixture.audit("validate", outcome: "accept")))
            var now = try #require(try await store.recoveryCodeSet(userID: user.id))
            #expect(now.remaining == 9 && now.failCount == 0 && now.usable == 9)
            #expect(try await store.recoveryCode(userID: user.id, lookup: "01")?.code?.usedAt == Fixture.time(2))

            #expect(try await store.revokeRecoveryCodes(userID: user.id, reason: "test", audit: Fixture.audit("recovery_codes.revoke")))
            #expect(try await !store.revokeRecoveryCodes(userID: user.id, reason: "test", audit: Fixture.audit("recovery_codes.revoke")))
            now = try #require(try await store.recoveryCodeSet(userID: user.id))
            #expect(now.status == .revoked && now.revokedReason == "test" && now.usable == 0)
            #expect(try await !store.useRecoveryCode(userID: user.id, setID: set.setID, lookup: "02", now: Fixture.time(4), outbox: [],
                                                      audit: Fixture.audit("validate", outcome: "accept")))
            #expect(try await store.int("SELECT COUNT(*) AS n FROM audit_events WHERE outcome = 'accept'") == 1)
            #expect(try await store.verifyChain().broken == nil)
        }
    }

    @Test("wrong guesses revoke the set at max_fail, with a record of their own", arguments: Backend.available)
    func failuresRevokeAtTheLimit(_ backend: Backend) async throws {
        try await withStore(backend) { store, _ in
            let (_, user) = try await Fixture.seedUser(store)
            try await store.putRecoveryCodes(Self.set(user), codes: Self.codes(), outbox: [], audit: Fixture.audit("recovery_codes.issue"))
            for i in 0..<3 {
                try await store.recordRecoveryCodeFailure(userID: user.id, now: Fixture.time(Int64(i)), maxFailures: 3,
                                                          audit: Fixture.audit("validate", outcome: "reject", reason: "wrong code"))
            }
            let set = try #require(try await store.recoveryCodeSet(userID: user.id))
            #expect(set.status == .revoked && set.revokedReason == "too many wrong codes" && set.failCount == 3)
            let tail = try await Self.events(store).suffix(2).map { "\($0.event) \($0.reason)" }
            #expect(tail == ["validate wrong code", "recovery_codes.revoke too many wrong codes"])
        }
    }

    @Test("200 concurrent uses of one code from two store instances (60 on SQLite): exactly one succeeds", arguments: Backend.available)
    func concurrentUses(_ backend: Backend) async throws {
        try await withStore(backend, maxConnections: 20) { first, db in
            try await db.withSecondStore(maxConnections: 20) { second in
                let (_, user) = try await Fixture.seedUser(first)
                let set = Self.set(user)
                try await first.putRecoveryCodes(set, codes: Self.codes(), outbox: [], audit: Fixture.audit("recovery_codes.issue"))
                let stores = [first, second]
                let wins = try await withThrowingTaskGroup(of: Bool.self) { group in
                    for i in 0..<(backend == .sqlite ? 60 : 200) {
                        let store = stores[i % 2]
                        group.addTask {
                            try await store.useRecoveryCode(userID: user.id, setID: set.setID, lookup: "05", now: Fixture.time(1000), outbox: [],
                                                            audit: Fixture.audit("validate", outcome: "accept", reason: "attempt \(i)"))
                        }
                    }
                    var n = 0
                    for try await won in group where won { n += 1 }
                    return n
                }
                #expect(wins == 1)
                #expect(try await first.int("SELECT COUNT(*) AS n FROM audit_events WHERE outcome = 'accept'") == 1)
                #expect(try await second.recoveryCodeSet(userID: user.id)?.remaining == 9)
                #expect(try await second.verifyChain().broken == nil)
            }
        }
    }

    @Test("two concurrent issues leave one whole set", arguments: Backend.available)
    func concurrentIssues(_ backend: Backend) async throws {
        try await withStore(backend, maxConnections: 10) { store, _ in
            let (_, user) = try await Fixture.seedUser(store)
            try await withThrowingTaskGroup(of: Void.self) { group in
                for i in 0..<8 {
                    group.addTask {
                        try await store.putRecoveryCodes(Self.set(user), codes: Self.codes(tag: "s\(i)-"), outbox: [], audit: Fixture.audit("recovery_codes.issue"))
                    }
                }
                try await group.waitForAll()
            }
            let set = try #require(try await store.recoveryCodeSet(userID: user.id))
            #expect(set.remaining == 10)
            #expect(try await store.int("SELECT COUNT(*) AS n FROM recovery_codes") == 10)
            #expect(try await store.verifyChain().broken == nil)
        }
    }

    @Test("40 concurrent validations of one recovery code through ValidationService: exactly one accept", arguments: Backend.available)
    func concurrentValidations(_ backend: Backend) async throws {
        try await withStore(backend, maxConnections: 20) { store, _ in
            let vault = try FileKeyVault(kek: Array(repeating: 9, count: 32), previous: [])
            let clock = StoreTestClock(now: Fixture.time(1000))
            let (tenant, user) = try await Fixture.seedUser(store)
            let pool = SlowHashPool(threads: 2, maxQueued: 1000)
            let codes = try await RecoveryCodeService(storage: store, vault: vault, clock: clock, random: SystemRandom(), hashPool: pool)
                .issue(tenant: tenant, user: user, actor: "cli")
            #expect(codes.count == 10)
            let validation = ValidationService(storage: store, vault: vault, clock: clock, policy: OTPPolicy(), hashPool: pool)
            let accepts = try await withThrowingTaskGroup(of: Bool.self) { group in
                for i in 0..<40 {
                    let typed = i % 2 == 0 ? codes[4] : codes[4].lowercased().replacingOccurrences(of: "-", with: " ")
                    group.addTask {
                        try await validation.validate(tenantName: "acme", username: user.username, code: typed, caller: Caller(actor: "apikey:test", scope: .validate))
                    }
                }
                var n = 0
                for try await ok in group where ok { n += 1 }
                return n
            }
            #expect(accepts == 1)
            #expect(try await store.int("SELECT COUNT(*) AS n FROM audit_events WHERE outcome = 'accept'") == 1)
            #expect(try await store.int("SELECT COUNT(*) AS n FROM audit_events WHERE reason LIKE 'recovery code already used%'") == 39)
            #expect(try await store.recoveryCodeSet(userID: user.id)?.remaining == 9)
            #expect(try await store.recoveryCodeSet(userID: user.id)?.failCount == 0, "a used code is no guess")
            #expect(try await store.verifyChain().broken == nil)
        }
    }
}
