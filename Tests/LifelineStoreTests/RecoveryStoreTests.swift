import Foundation
import LifelineCore
@testable import LifelineStore
import SQLKit
import Testing

/// Values for the recovery store tests.
enum RecoveryFixture {
    static let config = RecoveryConfig(
        methods: [MethodConfig(id: "sms", type: .sms, settings: ContactCodeSettings(codeLength: 7)), MethodConfig(id: "totp", type: .totp)],
        flows: [FlowDefinition(id: "phone", names: ["en": "Phone", "cs": "Telefon"], steps: ["sms", "totp"], actions: [.resetPassword])],
        questions: [SecurityQuestion(id: "pet", texts: ["en": "Pet?"])],
        selfserviceURL: "https://id.acme.cz/", defaultCountryCode: "+420", emailDomain: "acme.cz")

    /// A flow with every field set to something other than its default; times are whole milliseconds.
    static func flow(_ tenant: Tenant, user: User?, createdAt: Int64 = 10, expiresAt: Int64 = 900_010, version: Int64 = 0) -> RecoveryFlow {
        var f = RecoveryFlow(id: UUID(), tenantID: tenant.id, tenant: tenant.name, username: "Alice", userID: user?.id, language: "cs",
                             createdAt: Fixture.time(createdAt), expiresAt: Fixture.time(expiresAt), phase: .enterCode)
        f.definitionID = "phone"
        f.stepIndex = 1
        // The SMS method's own state (``ContactCodeState``) with every field set; it is stored flat beside the step's.
        var code = ContactCodeState(contacts: ["+420777123789", "+420602111222"])
        code.chosenContact = 1
        code.codeDigest = String(repeating: "ab", count: 32)
        code.codeExpiresAt = Fixture.time(300_010)
        code.lastSentAt = Fixture.time(10)
        code.sends = 2
        var s = StepState(methodID: "sms", type: .sms, decoy: user == nil, state: code)
        s.wrong = 3
        f.step = s
        f.grants = [ActionGrant(action: .resetPassword, expiresAt: Fixture.time(600_000), usedAt: Fixture.time(5_000)),
                    ActionGrant(action: .selfservice, expiresAt: Fixture.time(600_001))]
        f.notices = [FlowNotice("info.code_sent", .info, args: ["contact": "+420 *** *** 222", "x": "ü \"quoted\""]), FlowNotice("error.code_wrong")]
        f.version = version
        return f
    }

    static func message(_ tag: String, created: Int64 = 0, due: Int64 = 0, status: OutboxStatus = .pending) -> OutboxMessage {
        OutboxMessage(id: UUID(), tenant: "acme", channel: .sms, recipient: "+420777000\(tag)", subject: "",
                      body: SealedSecret(keyID: "k0001", box: Array("sealed \(tag)".utf8)), status: status,
                      nextAttemptAt: Fixture.time(due), createdAt: Fixture.time(created))
    }

    static func count(_ store: SQLStore, _ table: String) async throws -> Int64 {
        try await store.int("SELECT COUNT(*) AS n FROM \(unsafeRaw: table)")
    }
}

@Suite("Recovery store")
struct RecoveryStoreTests {
    typealias R = RecoveryFixture

    // MARK: the recovery subject

    @Test("recoverySubject: verified contacts in the order added, answered questions, active TOTP; unknown and disabled users",
          arguments: Backend.available)
    func recoverySubject(_ backend: Backend) async throws {
        try await withStore(backend) { store, _ in
            let (tenant, user) = try await Fixture.seedUser(store)
            func contact(_ kind: ContactKind, _ value: String, verified: Bool = true, at: Int64) -> Contact {
                Contact(id: UUID(), userID: user.id, kind: kind, value: value, verified: verified, createdAt: Fixture.time(at))
            }
            for c in [contact(.phone, "+420602111222", at: 30), contact(.email, "a:b@x.example", at: 10),
                      contact(.phone, "+420777123789", at: 20), contact(.phone, "+420999000111", verified: false, at: 5)] {
                try await store.insertContact(c, audit: Fixture.audit("contact.add"))
            }
            let key = Validation.usernameKey(user.username)
            var s = try await store.recoverySubject(tenantID: tenant.id, usernameKey: key)
            #expect(s == RecoverySubject(userID: user.id, active: true, verifiedPhones: ["+420777123789", "+420602111222"],
                                         verifiedEmails: ["a:b@x.example"], answeredQuestions: [], hasActiveTOTP: false))
            try await store.setAnswers(userID: user.id, hashes: ["pet": "h1", "city": "h2"], audit: Fixture.audit("answers.set"))
            let hotp = Fixture.token(user, type: .hotp)
            try await store.insertToken(hotp, audit: Fixture.audit("token.enroll"))
            s = try await store.recoverySubject(tenantID: tenant.id, usernameKey: key)
            #expect(s.answeredQuestions == ["pet", "city"] && !s.hasActiveTOTP)
            let totp = Fixture.token(user, type: .totp)
            try await store.insertToken(totp, audit: Fixture.audit("token.enroll"))
            #expect(try await store.recoverySubject(tenantID: tenant.id, usernameKey: key).hasActiveTOTP)
            // A locked TOTP token still counts (the flow's step says it is locked once an earlier step passed);
            // a disabled one does not.
            _ = try await store.setState(tokenID: totp.token.id, tenantID: tenant.id, state: .locked, resetFailCount: false,
                                         audit: Fixture.audit("token.lock"))
            #expect(try await store.recoverySubject(tenantID: tenant.id, usernameKey: key).hasActiveTOTP)
            _ = try await store.setState(tokenID: totp.token.id, tenantID: tenant.id, state: .disabled, resetFailCount: false,
                                         audit: Fixture.audit("token.disable"))
            #expect(try await store.recoverySubject(tenantID: tenant.id, usernameKey: key).hasActiveTOTP == false)
            // Unknown: one row of nothing. Another tenant's user of the same name is not found.
            let none = RecoverySubject(userID: nil, active: false, verifiedPhones: [], verifiedEmails: [], answeredQuestions: [],
                                       hasActiveTOTP: false)
            #expect(try await store.recoverySubject(tenantID: tenant.id, usernameKey: "mallory") == none)
            #expect(try await store.recoverySubject(tenantID: UUID(), usernameKey: key) == none)
            var disabled = user
            disabled.status = .disabled
            try await store.updateUser(disabled, audit: Fixture.audit("user.update"))
            s = try await store.recoverySubject(tenantID: tenant.id, usernameKey: key)
            #expect(s.userID == user.id && !s.active)
        }
    }

    @Test("userAndTokens: the user with every token in order, a user without tokens, and nil for an unknown one",
          arguments: Backend.available)
    func userAndTokens(_ backend: Backend) async throws {
        try await withStore(backend) { store, _ in
            let (tenant, user) = try await Fixture.seedUser(store)
            let key = Validation.usernameKey(user.username)
            var found = try #require(try await store.userAndTokens(tenantID: tenant.id, username: "ALICE"))
            #expect(found.user == user && found.tokens.isEmpty)
            let first = Fixture.token(user, type: .hotp, counter: 7, lastUsed: 6, created: 3)
            let second = Fixture.token(user, type: .totp, created: 4)
            try await store.insertToken(second, audit: Fixture.audit("token.enroll"))
            try await store.insertToken(first, audit: Fixture.audit("token.enroll"))
            found = try #require(try await store.userAndTokens(tenantID: tenant.id, username: key))
            #expect(found.user == user)
            #expect(found.tokens.map(\.token) == [first.token, second.token])
            #expect(found.tokens.map(\.secret.text) == [first.secret.text, second.secret.text])
            let separately = try await store.storedTokens(userID: user.id)
            #expect(found.tokens.map(\.token) == separately.map(\.token))
            #expect(try await store.userAndTokens(tenantID: tenant.id, username: "mallory") == nil)
            #expect(try await store.userAndTokens(tenantID: UUID(), username: key) == nil)
            // A token of another user of the tenant is not the user's.
            let (_, other) = (tenant, Fixture.user(tenant, "bob"))
            try await store.insertUser(other, contacts: [], audit: Fixture.audit("user.create"))
            try await store.insertToken(Fixture.token(other), audit: Fixture.audit("token.enroll"))
            #expect(try await store.userAndTokens(tenantID: tenant.id, username: key)?.tokens.count == 2)
        }
    }

    // MARK: configuration and answers

    @Test("config put/get round trip; an unchanged config writes nothing", arguments: Backend.available)
    func configRoundTrip(_ backend: Backend) async throws {
        try await withStore(backend) { store, _ in
            let (tenant, _) = try await Fixture.seedUser(store)
            let other = Fixture.tenant("other")
            try await store.insertTenant(other, audit: Fixture.audit("tenant.create", tenant: "other"))
            #expect(try await store.recoveryConfig(tenantID: tenant.id) == nil)
            #expect(try await store.auditCount() == 3)

            #expect(try await store.putRecoveryConfig(tenantID: tenant.id, config: R.config, audit: Fixture.audit("recovery.config")))
            #expect(try await store.recoveryConfig(tenantID: tenant.id) == R.config)
            #expect(try await store.recoveryConfig(tenantID: other.id) == nil)
            #expect(try await store.auditCount() == 4)

            // The same configuration again (also a separately built equal value): false, no audit event.
            #expect(try await !store.putRecoveryConfig(tenantID: tenant.id, config: R.config, audit: Fixture.audit("recovery.config")))
            var rebuilt = R.config
            rebuilt.flows[0].names = ["cs": "Telefon", "en": "Phone"]
            #expect(try await !store.putRecoveryConfig(tenantID: tenant.id, config: rebuilt, audit: Fixture.audit("recovery.config")))
            #expect(try await store.auditCount() == 4)

            var changed = R.config
            changed.limits.wrongPerStep = 3
            #expect(try await store.putRecoveryConfig(tenantID: tenant.id, config: changed, audit: Fixture.audit("recovery.config")))
            #expect(try await store.recoveryConfig(tenantID: tenant.id) == changed)
            #expect(try await store.auditCount() == 5)
            // Another tenant's config is independent.
            #expect(try await store.putRecoveryConfig(tenantID: other.id, config: R.config, audit: Fixture.audit("recovery.config")))
            #expect(try await store.recoveryConfig(tenantID: tenant.id) == changed)
            #expect(try await store.int("SELECT COUNT(*) AS n FROM audit_events WHERE event = 'recovery.config'") == 3)
            #expect(try await store.verifyChain().broken == nil)
        }
    }

    @Test("answers are replaced as a whole", arguments: Backend.available)
    func answersReplace(_ backend: Backend) async throws {
        try await withStore(backend) { store, _ in
            let (tenant, user) = try await Fixture.seedUser(store)
            let bob = Fixture.user(tenant, "bob")
            try await store.insertUser(bob, contacts: [], audit: Fixture.audit("user.create", subject: "bob"))
            #expect(try await store.answerHashes(userID: user.id) == [:])

            try await store.setAnswers(userID: user.id, hashes: ["pet": "scrypt$a", "town": "scrypt$b"], audit: Fixture.audit("recovery.answers"))
            try await store.setAnswers(userID: bob.id, hashes: ["pet": "scrypt$bob"], audit: Fixture.audit("recovery.answers", subject: "bob"))
            #expect(try await store.answerHashes(userID: user.id) == ["pet": "scrypt$a", "town": "scrypt$b"])

            try await store.setAnswers(userID: user.id, hashes: ["school": "scrypt$c", "pet": "scrypt$d"], audit: Fixture.audit("recovery.answers"))
            #expect(try await store.answerHashes(userID: user.id) == ["school": "scrypt$c", "pet": "scrypt$d"])
            #expect(try await store.answerHashes(userID: bob.id) == ["pet": "scrypt$bob"])

            try await store.setAnswers(userID: user.id, hashes: [:], audit: Fixture.audit("recovery.answers"))
            #expect(try await store.answerHashes(userID: user.id) == [:])
            #expect(try await store.answerHashes(userID: UUID()) == [:])
            #expect(try await store.int("SELECT COUNT(*) AS n FROM audit_events WHERE event = 'recovery.answers'") == 4)
        }
    }

    @Test("answers for an unknown user fail and audit nothing", arguments: Backend.available)
    func answersForUnknownUser(_ backend: Backend) async throws {
        try await withStore(backend) { store, _ in
            _ = try await Fixture.seedUser(store)
            await #expect(throws: (any Error).self) {
                try await store.setAnswers(userID: UUID(), hashes: ["pet": "scrypt$x"], audit: Fixture.audit("recovery.answers"))
            }
            #expect(try await store.auditCount() == 2)
            #expect(try await R.count(store, "security_answers") == 0)
        }
    }

    // MARK: flows

    @Test("insertFlow + flow(id) round trip every field", arguments: Backend.available)
    func flowRoundTrip(_ backend: Backend) async throws {
        try await withStore(backend) { store, _ in
            let (tenant, user) = try await Fixture.seedUser(store)
            let real = R.flow(tenant, user: user)
            let decoy = R.flow(tenant, user: nil, version: 7)
            let message = R.message("01")
            try await store.insertFlow(real, outbox: [message], audit: [Fixture.audit("recovery.start")], counters: ["sends:a"])
            try await store.insertFlow(decoy, outbox: [], audit: [], counters: [])

            #expect(try await store.flow(id: real.id) == real)
            #expect(try await store.flow(id: decoy.id) == decoy)
            #expect(try await store.flow(id: decoy.id)?.version == 7)
            #expect(try await store.flow(id: UUID()) == nil)
            // The side effects of the insert.
            #expect(try await store.recentMessages(limit: 10) == [message])
            #expect(try await store.auditCount() == 3)
            let c = try await store.counter("sends:a")
            #expect(c.count == 1)
            #expect(c.updatedAt == real.createdAt)
            let never = try await store.counter("never")
            #expect(never.count == 0)
            #expect(never.updatedAt == nil)
        }
    }

    @Test("dates of a flow are kept to the millisecond", arguments: Backend.available)
    func flowDatesToTheMillisecond(_ backend: Backend) async throws {
        try await withStore(backend) { store, _ in
            let (tenant, user) = try await Fixture.seedUser(store)
            // Arbitrary instants, not whole milliseconds.
            let now = Date(timeIntervalSince1970: 1_712_345_678.987_654_3)
            var f = R.flow(tenant, user: user)
            f.createdAt = now
            f.expiresAt = now.addingTimeInterval(900.000_4)
            f.step?.contactCode?.codeExpiresAt = now.addingTimeInterval(299.999_9)
            f.grants[1].expiresAt = now.addingTimeInterval(0.000_6)
            try await store.insertFlow(f, outbox: [], audit: [], counters: [])
            let back = try #require(try await store.flow(id: f.id))
            for (a, b) in [(back.createdAt, f.createdAt), (back.expiresAt, f.expiresAt), (back.step!.contactCode!.codeExpiresAt!, f.step!.contactCode!.codeExpiresAt!),
                           (back.grants[1].expiresAt, f.grants[1].expiresAt)] {
                #expect(abs(a.timeIntervalSince(b)) < 0.001, "\(a.timeIntervalSince1970) vs \(b.timeIntervalSince1970)")
            }
        }
    }

    @Test("updateFlow is a compare-and-set on the version", arguments: Backend.available)
    func updateFlowCompareAndSet(_ backend: Backend) async throws {
        try await withStore(backend) { store, _ in
            let (tenant, user) = try await Fixture.seedUser(store)
            var f = R.flow(tenant, user: user)
            try await store.insertFlow(f, outbox: [], audit: [], counters: [])
            f.phase = .enterTOTP
            f.expiresAt = Fixture.time(1_000_000)
            #expect(try await store.updateFlow(f, outbox: [], audit: [Fixture.audit("recovery.step")], counters: []))
            let stored = try #require(try await store.flow(id: f.id))
            #expect(stored.version == 1)
            #expect(stored.phase == .enterTOTP)
            #expect(stored.expiresAt == Fixture.time(1_000_000))
            let expected = f.with { $0.version = 1 }
            #expect(stored == expected)
            // The old version again: refused.
            #expect(try await !store.updateFlow(f, outbox: [], audit: [], counters: []))
            #expect(try await store.updateFlow(stored, outbox: [], audit: [], counters: []))
            #expect(try await store.flow(id: f.id)?.version == 2)
            // A flow that does not exist.
            #expect(try await !store.updateFlow(R.flow(tenant, user: user), outbox: [], audit: [], counters: []))
        }
    }

    /// Runs `count` concurrent updates of `flow` (same expected version) on `stores`; returns the winners' indexes.
    static func race(_ stores: [SQLStore], _ flow: RecoveryFlow, count: Int, counter: String) async throws -> [Int] {
        try await withThrowingTaskGroup(of: (Int, Bool).self) { group in
            for i in 0..<count {
                let store = stores[i % stores.count]
                var attempt = flow
                attempt.notices = [FlowNotice("attempt", .info, args: ["i": String(i)])]
                attempt.step?.contactCode?.sends = i
                let message = R.message(String(format: "%03d", i), created: Int64(i))
                group.addTask {
                    (i, try await store.updateFlow(attempt, outbox: [message], audit: [Fixture.audit("recovery.send", reason: "attempt \(i)")],
                                                   counters: [CounterIncrement(counter)]))
                }
            }
            var winners: [Int] = []
            for try await (i, won) in group where won { winners.append(i) }
            return winners
        }
    }

    static func expectOneWinner(_ store: SQLStore, flowID: UUID, winners: [Int], version: Int64, counter: String, round: Int) async throws {
        #expect(winners.count == 1, "round \(round): \(winners)")
        guard let w = winners.first else { return }
        let stored = try #require(try await store.flow(id: flowID))
        #expect(stored.version == version)
        #expect(stored.notices.first?.args["i"] == String(w))
        #expect(stored.step?.contactCode?.sends == w)
        // Only the winner's outbox row, audit event and counter increment were written.
        let messages = try await store.recentMessages(limit: 1000)
        #expect(messages.count == round)
        #expect(messages.contains { $0.recipient == "+420777000" + String(format: "%03d", w) })
        #expect(try await store.int("SELECT COUNT(*) AS n FROM audit_events WHERE event = 'recovery.send'") == Int64(round))
        #expect(try await store.int("SELECT COUNT(*) AS n FROM audit_events WHERE reason = 'attempt \(unsafeRaw: String(w))'") >= 1)
        #expect(try await store.counter(counter).count == round)
    }

    @Test("50 concurrent updates with one expected version: exactly one wins, with only its side effects", arguments: Backend.available)
    func fiftyConcurrentUpdates(_ backend: Backend) async throws {
        try await withStore(backend, maxConnections: 20) { store, _ in
            let (tenant, user) = try await Fixture.seedUser(store)
            let f = R.flow(tenant, user: user)
            try await store.insertFlow(f, outbox: [], audit: [], counters: [])
            let winners = try await Self.race([store], f, count: 50, counter: "sends:race")
            try await Self.expectOneWinner(store, flowID: f.id, winners: winners, version: 1, counter: "sends:race", round: 1)
            #expect(try await store.auditCount() == 3)
            // A second round from the new version.
            let next = try #require(try await store.flow(id: f.id))
            let again = try await Self.race([store], next, count: 50, counter: "sends:race")
            try await Self.expectOneWinner(store, flowID: f.id, winners: again, version: 2, counter: "sends:race", round: 2)
            #expect(try await store.verifyChain().broken == nil)
        }
    }

    @Test("two store instances racing 25 + 25 updates: exactly one wins", arguments: Backend.available)
    func twoInstancesRace(_ backend: Backend) async throws {
        try await withStore(backend, maxConnections: 20) { first, db in
            try await db.withSecondStore(maxConnections: 20) { second in
                let (tenant, user) = try await Fixture.seedUser(first)
                let f = R.flow(tenant, user: user)
                try await first.insertFlow(f, outbox: [], audit: [], counters: [])
                let winners = try await Self.race([first, second], f, count: 50, counter: "sends:two")
                try await Self.expectOneWinner(second, flowID: f.id, winners: winners, version: 1, counter: "sends:two", round: 1)
                #expect(try await first.verifyChain().broken == nil)
            }
        }
    }

    @Test("a flow read back is the stored one, also after another instance changed or purged it (the state cache never answers stale)",
          arguments: Backend.available)
    func flowCacheFollowsOtherInstances(_ backend: Backend) async throws {
        try await withStore(backend) { first, db in
            try await db.withSecondStore { second in
                let (tenant, user) = try await Fixture.seedUser(first)
                let f = R.flow(tenant, user: user)
                try await first.insertFlow(f, outbox: [], audit: [], counters: [])
                // The other instance has no cached copy: it decodes the stored state.
                let decoded = try #require(try await second.flow(id: f.id))
                #expect(decoded == f)
                // It moves the flow on; the first instance, which cached version 0, must see version 1.
                var moved = decoded
                moved.phase = .enterTOTP
                moved.notices = [FlowNotice("from_second", .info)]
                #expect(try await second.updateFlow(moved, outbox: [], audit: [], counters: []))
                let seen = try #require(try await first.flow(id: f.id))
                #expect(seen.version == 1)
                #expect(seen.phase == .enterTOTP)
                #expect(seen.notices == [FlowNotice("from_second", .info)])
                // The first instance's own stale update is refused, and its next read is still the other's state.
                #expect(try await !first.updateFlow(f.with { $0.phase = .verified }, outbox: [], audit: [], counters: []))
                #expect(try await first.flow(id: f.id)?.phase == .enterTOTP)
                // A version moved by hand (as every store write moves it): both instances read the row's state again.
                try await first.exec("UPDATE recovery_flows SET version = version + 1 WHERE id = \(bind: Row.id(f.id))")
                #expect(try await first.flow(id: f.id)?.version == 2)
                #expect(try await second.flow(id: f.id)?.version == 2)
                // Purged elsewhere: gone for both.
                try await second.exec("DELETE FROM recovery_flows WHERE id = \(bind: Row.id(f.id))")
                #expect(try await first.flow(id: f.id) == nil)
                #expect(try await second.flow(id: f.id) == nil)
            }
        }
    }

    @Test("a failed compare-and-set writes no outbox row, counter or audit event", arguments: Backend.available)
    func failedCASWritesNothing(_ backend: Backend) async throws {
        try await withStore(backend) { store, _ in
            let (tenant, user) = try await Fixture.seedUser(store)
            let f = R.flow(tenant, user: user, version: 3)
            try await store.insertFlow(f, outbox: [], audit: [], counters: [])
            for stale in [Int64(0), 2, 4] {
                let attempt = f.with { $0.version = stale; $0.phase = .verified }
                #expect(try await !store.updateFlow(attempt, outbox: [R.message("99")], audit: [Fixture.audit("recovery.step")], counters: ["sends:x"]))
            }
            #expect(try await store.flow(id: f.id) == f)
            #expect(try await R.count(store, "outbox") == 0)
            #expect(try await R.count(store, "counters") == 0)
            #expect(try await store.auditCount() == 2)
            let c = try await store.counter("sends:x")
            #expect(c.count == 0)
            #expect(c.updatedAt == nil)
        }
    }

    @Test("counters increment atomically under 50 concurrent updates of different flows", arguments: Backend.available)
    func countersAreAtomic(_ backend: Backend) async throws {
        try await withStore(backend, maxConnections: 20) { store, _ in
            let (tenant, user) = try await Fixture.seedUser(store)
            let flows = (0..<50).map { _ in R.flow(tenant, user: user) }
            for f in flows { try await store.insertFlow(f, outbox: [], audit: [], counters: ["sends:shared"]) }
            #expect(try await store.counter("sends:shared").count == 50)
            let when = Fixture.time(7_000)
            try await withThrowingTaskGroup(of: Bool.self) { group in
                for (i, f) in flows.enumerated() {
                    group.addTask {
                        try await store.updateFlow(f, outbox: [], audit: [Fixture.audit("recovery.send", time: when)],
                                                   counters: ["sends:shared", "failed:shared", CounterIncrement("own:\(i)")])
                    }
                }
                for try await ok in group { #expect(ok) }
            }
            let shared = try await store.counter("sends:shared")
            #expect(shared.count == 100)
            #expect(shared.updatedAt == when)
            #expect(try await store.counter("failed:shared").count == 50)
            #expect(try await store.counter("own:17").count == 1)
            #expect(try await R.count(store, "counters") == 52)
        }
    }

    @Test("a counter with a limit: 60 concurrent flow changes against a limit of 10 write exactly 10, the rest write nothing (issue 13 item 7)",
          arguments: Backend.available)
    func limitedCounterUnderConcurrency(_ backend: Backend) async throws {
        try await withStore(backend, maxConnections: 20) { store, _ in
            let (tenant, user) = try await Fixture.seedUser(store)
            let flows = (0..<60).map { _ in R.flow(tenant, user: user) }
            for f in flows { try await store.insertFlow(f, outbox: [], audit: [], counters: []) }
            let outcomes = try await withThrowingTaskGroup(of: Bool.self) { group in
                for f in flows {
                    group.addTask {
                        do {
                            return try await store.updateFlow(f, outbox: [], audit: [Fixture.audit("recovery.send")],
                                                              counters: [CounterIncrement("sends:limited", limit: 10)])
                        } catch is CounterLimitReached { return false }
                    }
                }
                return try await group.reduce(into: [Bool]()) { $0.append($1) }
            }
            #expect(outcomes.filter { $0 }.count == 10)
            #expect(try await store.counter("sends:limited").count == 10)
        }
    }

    @Test("60 concurrent guesses against one budget charge exactly its free answers; refunds give them back (issue 13 items 2, 7)",
          arguments: Backend.available)
    func guessBudgetUnderConcurrency(_ backend: Backend) async throws {
        try await withStore(backend, maxConnections: 20) { store, _ in
            let key = GuessBudgetKey(tenantID: UUID(), usernameKey: "alice")
            let policy = GuessBudgetPolicy()
            let now = Fixture.time(1_000)
            let results = try await withThrowingTaskGroup(of: GuessChargeResult.self) { group in
                for _ in 0..<60 { group.addTask { try await store.chargeGuess(key, policy: policy, now: now) } }
                return try await group.reduce(into: [GuessChargeResult]()) { $0.append($1) }
            }
            let charges = results.compactMap { if case .charged(let c) = $0 { c } else { nil } }
            #expect(charges.count == policy.free)
            #expect(charges.filter(\.notifies).count == 1)
            let records = try await store.guessBudgets(tenantID: key.tenantID, usernameKey: "alice")
            #expect(records.first?.failures == policy.free)
            #expect(records.first?.pausedUntil == now.addingTimeInterval(Double(policy.pauseBase)))
            // The last charge refunded: the pause it started is gone, and one answer is free again.
            let last = try #require(charges.first { $0.after.failures == policy.free })
            try await store.refundGuess(last)
            #expect(try await store.guessBudgets(tenantID: key.tenantID, usernameKey: "alice").first?.pausedUntil == nil)
            if case .paused = try await store.chargeGuess(key, policy: policy, now: now) { Issue.record("the refunded answer is not free again") }
        }
    }

    @Test("updateFlow takes a guessing charge back in its own transaction, and not when its compare-and-set fails", arguments: Backend.available)
    func updateFlowRefundsInItsTransaction(_ backend: Backend) async throws {
        try await withStore(backend) { store, _ in
            let (tenant, user) = try await Fixture.seedUser(store)
            let key = GuessBudgetKey(tenantID: tenant.id, usernameKey: "alice")
            let now = Fixture.time(1_000)
            let f = R.flow(tenant, user: user)
            try await store.insertFlow(f, outbox: [], audit: [], counters: [])
            guard case .charged(let first) = try await store.chargeGuess(key, policy: GuessBudgetPolicy(), now: now),
                  case .charged(let second) = try await store.chargeGuess(key, policy: GuessBudgetPolicy(), now: now) else {
                Issue.record("not charged"); return
            }
            #expect(try await store.guessBudgets(tenantID: tenant.id, usernameKey: "alice").first?.failures == 2)
            #expect(try await store.updateFlow(f, outbox: [], audit: [], counters: [], refund: second))
            #expect(try await store.guessBudgets(tenantID: tenant.id, usernameKey: "alice").first?.failures == 1)
            // A lost compare-and-set writes nothing, the refund included.
            #expect(try await !store.updateFlow(f, outbox: [], audit: [], counters: [], refund: first))
            #expect(try await store.guessBudgets(tenantID: tenant.id, usernameKey: "alice").first?.failures == 1)
        }
    }

    @Test("purgeRecovery deletes expired flows and stale counters", arguments: Backend.available)
    func purge(_ backend: Backend) async throws {
        try await withStore(backend) { store, _ in
            let (tenant, user) = try await Fixture.seedUser(store)
            let early = R.flow(tenant, user: user, createdAt: 0, expiresAt: 1_000)
            let atCutoff = R.flow(tenant, user: user, createdAt: 0, expiresAt: 2_000)
            let late = R.flow(tenant, user: user, createdAt: 0, expiresAt: 3_000)
            try await store.insertFlow(early, outbox: [], audit: [], counters: ["old"])
            try await store.insertFlow(atCutoff, outbox: [], audit: [], counters: [])
            try await store.insertFlow(late, outbox: [R.message("01")], audit: [], counters: [])
            #expect(try await store.updateFlow(late, outbox: [], audit: [Fixture.audit(time: Fixture.time(5_000))], counters: ["new"]))

            #expect(try await store.purgeRecovery(before: Fixture.time(2_000)) == 1)
            #expect(try await store.flow(id: early.id) == nil)
            #expect(try await store.flow(id: atCutoff.id) != nil)
            #expect(try await store.flow(id: late.id) != nil)
            #expect(try await store.counter("old").count == 0)
            #expect(try await store.counter("new").count == 1)
            // Outbox rows are not the purge's business.
            #expect(try await R.count(store, "outbox") == 1)

            #expect(try await store.purgeRecovery(before: Fixture.time(10_000)) == 2)
            #expect(try await R.count(store, "recovery_flows") == 0)
            #expect(try await R.count(store, "counters") == 0)
            #expect(try await store.purgeRecovery(before: Fixture.time(10_000)) == 0)
        }
    }
}

extension RecoveryFlow {
    func with(_ change: (inout RecoveryFlow) -> Void) -> RecoveryFlow {
        var copy = self
        change(&copy)
        return copy
    }
}
