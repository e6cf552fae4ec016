import Foundation
import LifelineApp
import LifelineCore
@testable import LifelineStore
import Synchronization
import Testing

/// The emergency-code store contract, its automatic revocations, and the use-count guard under concurrency, on
/// SQLite and (when `LIFELINE_TEST_POSTGRES_URL` is set) PostgreSQL.
@Suite("Store contract: emergency codes")
struct EmergencyCodeStoreTests {
    static let hash = String(repeating: "ab", count: 32)

    static func code(_ user: User, uses: Int? = 3, expires: Date? = Fixture.time(3_600_000), hash: String = hash) -> StoredEmergencyCode {
        StoredEmergencyCode(tenantID: user.tenantID,
                            state: EmergencyCodeState(userID: user.id, templateID: "lost-phone", issuedAt: Fixture.t0, expiresAt: expires,
                                                      maxUses: uses, usesLeft: uses),
                            hash: hash, keyID: "k0001")
    }

    static func events(_ store: SQLStore) async throws -> [AuditEvent] { try await store.recentEvents(tenant: nil, limit: 100).reversed() }

    @Test("a code reads back as stored; a new one replaces it and revokes it audibly", arguments: Backend.available)
    func putAndReplace(_ backend: Backend) async throws {
        try await withStore(backend) { store, _ in
            let (_, user) = try await Fixture.seedUser(store)
            #expect(try await store.emergencyCode(userID: user.id) == nil)
            let first = Self.code(user)
            try await store.putEmergencyCode(first, audit: Fixture.audit("emergency_code.issue"))
            #expect(try await store.emergencyCode(userID: user.id) == first)

            var unlimited = Self.code(user, uses: nil, expires: nil, hash: String(repeating: "cd", count: 32))
            unlimited.state.templateID = "other"
            try await store.putEmergencyCode(unlimited, audit: Fixture.audit("emergency_code.issue", time: Fixture.time(10)))
            #expect(try await store.emergencyCode(userID: user.id) == unlimited)
            let tail = try await Self.events(store).suffix(2).map { "\($0.record.event) \($0.record.reason)" }
            #expect(tail == ["emergency_code.revoke replaced by a new code", "emergency_code.issue "])

            // Replacing a code that is no longer usable revokes nothing.
            let before = try await store.auditCount()
            #expect(try await store.revokeEmergencyCode(userID: user.id, reason: "test", audit: Fixture.audit("emergency_code.revoke")))
            try await store.putEmergencyCode(first, audit: Fixture.audit("emergency_code.issue"))
            #expect(try await store.auditCount() == before + 2)
            #expect(try await store.verifyChain().broken == nil)
        }
    }

    @Test("uses count down to used_up; a wrong hash, an expired or a revoked code is not used", arguments: Backend.available)
    func useCountsDown(_ backend: Backend) async throws {
        try await withStore(backend) { store, _ in
            let (_, user) = try await Fixture.seedUser(store)
            try await store.putEmergencyCode(Self.code(user, uses: 2), audit: Fixture.audit("emergency_code.issue"))
            let now = Fixture.time(1000)
            #expect(try await !store.useEmergencyCode(userID: user.id, hash: String(repeating: "00", count: 32), now: now, audit: Fixture.audit("validate")))
            #expect(try await store.useEmergencyCode(userID: user.id, hash: Self.hash, now: now, audit: Fixture.audit("validate", outcome: "accept")))
            var state = try #require(try await store.emergencyCode(userID: user.id)).state
            #expect(state.usesLeft == 1 && state.usedCount == 1 && state.status == .active)
            #expect(try await store.useEmergencyCode(userID: user.id, hash: Self.hash, now: now, audit: Fixture.audit("validate", outcome: "accept")))
            state = try #require(try await store.emergencyCode(userID: user.id)).state
            #expect(state.usesLeft == 0 && state.usedCount == 2 && state.status == .usedUp)
            #expect(try await !store.useEmergencyCode(userID: user.id, hash: Self.hash, now: now, audit: Fixture.audit("validate")))
            #expect(try await store.int("SELECT COUNT(*) AS n FROM audit_events WHERE event = 'validate'") == 2)

            // No use limit: only time counts.
            try await store.putEmergencyCode(Self.code(user, uses: nil), audit: Fixture.audit("emergency_code.issue"))
            for _ in 0..<5 { #expect(try await store.useEmergencyCode(userID: user.id, hash: Self.hash, now: now, audit: Fixture.audit("validate"))) }
            state = try #require(try await store.emergencyCode(userID: user.id)).state
            #expect(state.usesLeft == nil && state.usedCount == 5 && state.status == .active)
            #expect(try await !store.useEmergencyCode(userID: user.id, hash: Self.hash, now: Fixture.time(3_600_000), audit: Fixture.audit("validate")),
                    "at expires_at the code is expired")
            #expect(try await !store.revokeEmergencyCode(userID: user.id, reason: "late", audit: Fixture.audit("emergency_code.revoke", time: Fixture.time(3_600_000))),
                    "an expired code is not revoked")

            #expect(try await store.revokeEmergencyCode(userID: user.id, reason: "admin", audit: Fixture.audit("emergency_code.revoke", time: Fixture.time(2000))))
            state = try #require(try await store.emergencyCode(userID: user.id)).state
            #expect(state.status == .revoked && state.revokedReason == "admin" && state.revokedAt == Fixture.time(2000))
            #expect(try await !store.useEmergencyCode(userID: user.id, hash: Self.hash, now: now, audit: Fixture.audit("validate")))
            #expect(try await !store.revokeEmergencyCode(userID: user.id, reason: "again", audit: Fixture.audit("emergency_code.revoke")))
        }
    }

    @Test("wrong guesses count on the code, not on the tokens; at the limit the code is revoked, audited", arguments: Backend.available)
    func failuresRevokeAtTheLimit(_ backend: Backend) async throws {
        try await withStore(backend) { store, _ in
            let (tenant, user, token) = try await Fixture.seedToken(store, maxFail: 10)
            try await store.putEmergencyCode(Self.code(user), audit: Fixture.audit("emergency_code.issue"))
            let now = Fixture.time(1000)
            for _ in 0..<2 {
                try await store.recordEmergencyCodeFailure(userID: user.id, now: now, maxFailures: 3, audit: Fixture.audit("validate", outcome: "reject"))
            }
            #expect(try #require(try await store.emergencyCode(userID: user.id)).state.failCount == 2)
            #expect(try await store.storedToken(id: token.token.id, tenantID: tenant.id)?.token.failCount == 0)
            // A use clears the code's failure count.
            #expect(try await store.useEmergencyCode(userID: user.id, hash: Self.hash, now: now, audit: Fixture.audit("validate")))
            #expect(try #require(try await store.emergencyCode(userID: user.id)).state.failCount == 0)
            for _ in 0..<3 {
                try await store.recordEmergencyCodeFailure(userID: user.id, now: now, maxFailures: 3, audit: Fixture.audit("validate", outcome: "reject"))
            }
            let state = try #require(try await store.emergencyCode(userID: user.id)).state
            #expect(state.status == .revoked && state.revokedReason == "too many wrong codes" && state.failCount == 3)
            let tail = try await Self.events(store).suffix(2).map { "\($0.record.event) \($0.record.outcome) \($0.record.reason)" }
            #expect(tail == ["validate reject ", "emergency_code.revoke success too many wrong codes"])
            // Later failures still reach the audit log, not the revoked code.
            try await store.recordEmergencyCodeFailure(userID: user.id, now: now, maxFailures: 3, audit: Fixture.audit("validate"))
            #expect(try #require(try await store.emergencyCode(userID: user.id)).state.failCount == 3)
            #expect(try await store.storedToken(id: token.token.id, tenantID: tenant.id)?.token.failCount == 0)
            #expect(try await store.verifyChain().broken == nil)
        }
    }

    // MARK: automatic revocation

    /// A fresh user with a usable code, the trigger applied to it, and what became of the code and the log.
    func afterTrigger(_ backend: Backend, expires: Date? = Fixture.time(3_600_000),
                      _ trigger: @escaping @Sendable (SQLStore, Tenant, User, StoredToken) async throws -> Void) async throws -> (EmergencyCodeState, [AuditEvent]) {
        let result = Mutex<(EmergencyCodeState, [AuditEvent])?>(nil)
        try await withStore(backend) { store, _ in
            let (tenant, user, token) = try await Fixture.seedToken(store)
            try await store.putEmergencyCode(Self.code(user, expires: expires), audit: Fixture.audit("emergency_code.issue"))
            let before = try await store.auditCount()
            try await trigger(store, tenant, user, token)
            let state = try #require(try await store.emergencyCode(userID: user.id)).state
            let events = Array(try await Self.events(store).dropFirst(Int(before)))
            #expect(try await store.verifyChain().broken == nil)
            result.withLock { $0 = (state, events) }
        }
        return try #require(result.withLock { $0 })
    }

    static let later = Fixture.time(60_000)

    @Test("adding a contact revokes the code in the same transaction", arguments: Backend.available)
    func contactRevokes(_ backend: Backend) async throws {
        let (state, events) = try await afterTrigger(backend) { store, _, user, _ in
            try await store.insertContact(Contact(id: UUID(), userID: user.id, kind: .phone, value: "+420777000111", verified: true, createdAt: Self.later),
                                          audit: Fixture.audit("contact.add", reason: "phone", time: Self.later))
        }
        #expect(state.status == .revoked && state.revokedReason == "contact added" && state.revokedAt == Self.later)
        #expect(events.map { "\($0.record.event) \($0.record.subject) \($0.record.reason)" } == ["contact.add alice phone", "emergency_code.revoke Alice contact added"])
    }

    @Test("enrolling a token revokes the code", arguments: Backend.available)
    func enrolRevokes(_ backend: Backend) async throws {
        let (state, events) = try await afterTrigger(backend) { store, tenant, user, _ in
            try await store.insertToken(Fixture.token(user, created: 60_000), audit: Fixture.audit("token.enroll", tenant: tenant.name, time: Self.later))
        }
        #expect(state.status == .revoked && state.revokedReason == "token enrolled")
        #expect(events.map(\.record.event) == ["token.enroll", "emergency_code.revoke"])
        #expect(events.last?.record.actor == "cli" && events.last?.record.source == "127.0.0.1" && events.last?.record.tenant == "acme")
    }

    @Test("re-enabling or unlocking a token revokes the code; disabling does not", arguments: Backend.available)
    func activationRevokes(_ backend: Backend) async throws {
        let (state, events) = try await afterTrigger(backend) { store, tenant, _, token in
            _ = try await store.setState(tokenID: token.token.id, tenantID: tenant.id, state: .disabled, resetFailCount: false,
                                         audit: Fixture.audit("token.disable", subject: "token"))
            #expect(try #require(try await store.emergencyCode(userID: token.token.userID)).state.status == .active)
            _ = try await store.setState(tokenID: token.token.id, tenantID: tenant.id, state: .active, resetFailCount: true,
                                         audit: Fixture.audit("token.enable", subject: "token", time: Self.later))
        }
        #expect(state.status == .revoked && state.revokedReason == "token activated")
        #expect(events.map { "\($0.record.event) \($0.record.subject)" } == ["token.disable token", "token.enable token", "emergency_code.revoke Alice"])

        let (unlocked, _) = try await afterTrigger(backend) { store, tenant, _, token in
            try await store.exec("UPDATE tokens SET state = 'locked'")
            _ = try await store.setState(tokenID: token.token.id, tenantID: tenant.id, state: .active, resetFailCount: true,
                                         audit: Fixture.audit("token.reset", subject: "token"))
        }
        #expect(unlocked.status == .revoked && unlocked.revokedReason == "token activated")
    }

    @Test("a trigger on a user whose code already expired changes and audits nothing more", arguments: Backend.available)
    func expiredCodesAreLeftAlone(_ backend: Backend) async throws {
        let (state, events) = try await afterTrigger(backend, expires: Fixture.time(1000)) { store, _, user, _ in
            try await store.insertContact(Contact(id: UUID(), userID: user.id, kind: .email, value: "a@b.cz", verified: true, createdAt: Self.later),
                                          audit: Fixture.audit("contact.add", time: Self.later))
        }
        #expect(state.status == .active && state.resolved(at: Self.later).status == .expired)
        #expect(events.map(\.record.event) == ["contact.add"])
    }

    @Test("a failed change revokes nothing (one transaction)", arguments: Backend.available)
    func failedChangeRevokesNothing(_ backend: Backend) async throws {
        let (state, events) = try await afterTrigger(backend) { store, _, user, _ in
            // A contact id that exists already: the insert fails, and the revocation with it.
            let id = UUID()
            try await store.insertContact(Contact(id: id, userID: user.id, kind: .email, value: "a@b.cz", verified: true, createdAt: Self.later),
                                          audit: Fixture.audit("contact.add"))
            try await store.exec("UPDATE emergency_codes SET status = 'active', revoked_at = NULL, revoked_reason = NULL")
            await #expect(throws: (any Error).self) {
                try await store.insertContact(Contact(id: id, userID: user.id, kind: .email, value: "c@d.cz", verified: true, createdAt: Self.later),
                                              audit: Fixture.audit("contact.add"))
            }
        }
        #expect(state.status == .active)
        #expect(events.map(\.record.event) == ["contact.add", "emergency_code.revoke"], "only the first, successful insert")
    }

    // MARK: the use-count guard under concurrency

    /// `count` concurrent uses of `hash` on the stores (round robin); how many succeeded.
    static func race(_ stores: [SQLStore], userID: UUID, count: Int) async throws -> Int {
        try await withThrowingTaskGroup(of: Bool.self) { group in
            for i in 0..<count {
                let store = stores[i % stores.count]
                group.addTask {
                    try await store.useEmergencyCode(userID: userID, hash: Self.hash, now: Fixture.time(1000),
                                                     audit: Fixture.audit("validate", outcome: "accept", reason: "attempt \(i)"))
                }
            }
            var wins = 0
            for try await won in group where won { wins += 1 }
            return wins
        }
    }

    @Test("concurrent uses of a 3-use code from two store instances (200 on PostgreSQL, 60 on SQLite): exactly 3 succeed", arguments: Backend.available)
    func twoHundredConcurrentUses(_ backend: Backend) async throws {
        try await withStore(backend, maxConnections: 20) { first, db in
            try await db.withSecondStore(maxConnections: 20) { second in
                let (_, user) = try await Fixture.seedUser(first)
                try await first.putEmergencyCode(Self.code(user, uses: 3), audit: Fixture.audit("emergency_code.issue"))
                // Two SQLite stores meet only at the file lock (the CLI next to a server), where a writer waits in the
                // busy handler; 200 racing writers on a loaded 2-core CI machine can outwait busy_timeout there, so
                // SQLite races 60 here (the 200-way race on one store is the next test, on both databases).
                #expect(try await Self.race([first, second], userID: user.id, count: backend == .sqlite ? 60 : 200) == 3)
                let state = try #require(try await second.emergencyCode(userID: user.id)).state
                #expect(state.usesLeft == 0 && state.usedCount == 3 && state.status == .usedUp)
                #expect(try await first.int("SELECT COUNT(*) AS n FROM audit_events WHERE outcome = 'accept'") == 3)
                #expect(try await second.verifyChain().broken == nil)
            }
        }
    }

    @Test("200 concurrent validations with a 3-use code through ValidationService: exactly 3 accepts", arguments: Backend.available)
    func twoHundredConcurrentValidations(_ backend: Backend) async throws {
        try await withStore(backend, maxConnections: 20) { store, _ in
            let vault = try FileKeyVault(kek: Array(repeating: 9, count: 32), previous: [])
            let clock = StoreTestClock(now: Fixture.time(1000))
            let (tenant, user) = try await Fixture.seedUser(store)
            let template = EmergencyCodeTemplate(id: "lost-phone", names: ["en": "Lost phone"], length: 12, alphabet: .alphanumeric, maxUses: 3, validFor: 3600)
            let issued = try await EmergencyCodeService(storage: store, vault: vault, clock: clock, random: SystemRandom())
                .issue(tenant: tenant, userID: user.id, username: user.username, template: template, actor: "anonymous", source: "127.0.0.1")
            #expect(issued.maxUses == 3 && issued.expiresAt == Fixture.time(1000).addingTimeInterval(3600))
            let validation = ValidationService(storage: store, vault: vault, clock: clock, policy: OTPPolicy())
            let accepts = try await withThrowingTaskGroup(of: Bool.self) { group in
                for i in 0..<200 {
                    // Display form, lower case and dashes: all the same code.
                    let typed = i % 3 == 0 ? issued.code : i % 3 == 1 ? issued.code.lowercased() : issued.code.replacingOccurrences(of: " ", with: "-")
                    group.addTask {
                        try await validation.validate(tenantName: "acme", username: "alice", code: typed, caller: Caller(actor: "apikey:test", scope: .validate))
                    }
                }
                var n = 0
                for try await ok in group where ok { n += 1 }
                return n
            }
            #expect(accepts == 3)
            #expect(try await store.int("SELECT COUNT(*) AS n FROM audit_events WHERE outcome = 'accept' AND reason = 'emergency code'") == 3)
            #expect(try await store.int("SELECT COUNT(*) AS n FROM audit_events WHERE reason LIKE 'emergency code used_up%'") == 197)
            #expect(try await store.emergencyCode(userID: user.id)?.state.status == .usedUp)
            #expect(try await store.verifyChain().broken == nil)
        }
    }
}

/// A fixed clock for the service-level tests.
struct StoreTestClock: LifelineClock {
    let now_: Date
    init(now: Date) { now_ = now }
    func now() -> Date { now_ }
}
