import Foundation
import LifelineCore
@testable import LifelineStore
import LifelineTestStore
import SQLKit
import Testing

/// The Authenticator store contract (issue 16, ``AuthenticatorStore``) on the in-memory store, SQLite and (when
/// `LIFELINE_TEST_POSTGRES_URL` is set) PostgreSQL: round trips, and every single-use guard and counter with a limit
/// under races. The SQL races run half their callers on a second store instance on the same database, like a second
/// server process, so that PostgreSQL really runs them on different connections at once.
@Suite("Store contract: authenticator")
struct AuthenticatorStoreTests {
    typealias Store = AuthenticatorStore & TenantStore & UserStore & AuditLog & OutboxStore

    static let t = Fixture.time
    static let limit = 3

    // MARK: fixtures

    struct Seeded {
        let acme: Tenant
        let beta: Tenant
        let alice: User
        /// Alice's account at the second organization.
        let aliceBeta: User
    }

    static func seed(_ store: any Store) async throws -> Seeded {
        let acme = Fixture.tenant("acme"), beta = Fixture.tenant("beta")
        try await store.insertTenant(acme, audit: Fixture.audit("tenant.create", tenant: "acme", subject: "acme"))
        try await store.insertTenant(beta, audit: Fixture.audit("tenant.create", tenant: "beta", subject: "beta"))
        let alice = Fixture.user(acme, "alice"), aliceBeta = Fixture.user(beta, "alice")
        try await store.insertUser(alice, contacts: [], audit: Fixture.audit("user.create"))
        try await store.insertUser(aliceBeta, contacts: [], audit: Fixture.audit("user.create", tenant: "beta"))
        return Seeded(acme: acme, beta: beta, alice: alice, aliceBeta: aliceBeta)
    }

    static func activation(_ user: User, hash: String = UUID().uuidString, expires: Int64 = 600_000) -> AuthenticatorActivation {
        AuthenticatorActivation(id: UUID(), codeHash: hash, tenantID: user.tenantID, userID: user.id, issuedBy: "operator:anna",
                                createdAt: t(0), expiresAt: t(expires))
    }

    static func device(name: String = "Alice's phone") -> AuthenticatorDevice {
        AuthenticatorDevice(id: UUID(), publicKey: [4] + (0..<64).map { _ in UInt8.random(in: 0...255) }, name: name, model: "Pixel 9",
                            pinKey: Fixture.sealed(), pinVerifier: Fixture.sealed(), pinLength: 4, createdAt: t(10))
    }

    static func link(_ device: AuthenticatorDevice, _ user: User, at millis: Int64 = 10) -> AuthenticatorLink {
        AuthenticatorLink(id: UUID(), deviceID: device.id, tenantID: user.tenantID, userID: user.id, orgKey: Fixture.sealed(), createdAt: t(millis))
    }

    static func audit(_ event: String, _ user: User, _ s: Seeded, time: Int64 = 100) -> AuditRecord {
        Fixture.audit(event, tenant: user.tenantID == s.beta.id ? "beta" : "acme", time: t(time))
    }

    static func notice(_ tenant: String = "acme") -> OutboxMessage {
        OutboxMessage(id: UUID(), tenant: tenant, channel: .email, recipient: "alice@example.com", subject: "A new app", body: Fixture.sealed(),
                      nextAttemptAt: t(0), createdAt: t(0))
    }

    /// Activates a new app for `user`; returns the app and its link.
    @discardableResult
    static func activate(_ store: any Store, _ user: User, _ s: Seeded, device: AuthenticatorDevice = AuthenticatorStoreTests.device(), at millis: Int64 = 10)
        async throws -> (AuthenticatorDevice, AuthenticatorLink) {
        let a = activation(user)
        try await store.insertActivation(a, audit: audit("authenticator.activation_issue", user, s, time: millis))
        let l = link(device, user, at: millis)
        let result = try await store.completeActivation(AuthenticatorEnrolment(activationID: a.id, newDevice: device, link: l), now: t(millis),
                                                        maxPINFailures: limit, outboxIfReplaced: [notice()],
                                                        audit: [audit("authenticator.activate", user, s, time: millis)])
        guard case .done = result else { throw LifelineError(.internalError, "activation not done: \(result)") }
        return (device, l)
    }

    /// Adds organization `user` to the known app `device`.
    static func addOrganization(_ store: any Store, _ user: User, _ s: Seeded, device: AuthenticatorDevice, at millis: Int64 = 20)
        async throws -> (AuthenticatorEnrolmentResult, AuthenticatorLink) {
        let a = activation(user)
        try await store.insertActivation(a, audit: audit("authenticator.activation_issue", user, s))
        let l = link(device, user, at: millis)
        return (try await store.completeActivation(AuthenticatorEnrolment(activationID: a.id, newDevice: nil, link: l), now: t(millis),
                                                   maxPINFailures: limit, outboxIfReplaced: [notice()], audit: [audit("authenticator.activate", user, s)]),
                l)
    }

    static func events(_ store: any Store) async throws -> [String] {
        try await store.recentEvents(tenant: nil, limit: 1000).reversed().map(\.record.event)
    }

    static func count(_ store: any Store, _ event: String) async throws -> Int { try await events(store).filter { $0 == event }.count }

    /// The results of `n` concurrent calls of `body`, alternating between the two stores.
    static func results<T: Sendable>(_ n: Int, _ stores: (any Store, any Store), _ body: @escaping @Sendable (any Store, Int) async throws -> T) async throws -> [T] {
        let (a, b) = stores
        return try await withThrowingTaskGroup(of: T.self) { group in
            for i in 0..<n {
                let s = i % 2 == 0 ? a : b
                group.addTask { try await body(s, i) }
            }
            var all: [T] = []
            for try await r in group { all.append(r) }
            return all
        }
    }

    /// Expects that of `n` concurrent calls of `body` (alternating between the two stores) exactly `wins` return true.
    static func expectRace(_ n: Int, _ stores: (any Store, any Store), wins: Int, sourceLocation: SourceLocation = #_sourceLocation,
                           _ body: @escaping @Sendable (any Store, Int) async throws -> Bool) async throws {
        let won = try await race(n, stores, body)
        #expect(won == wins, "\(won) of \(n) racers won", sourceLocation: sourceLocation)
    }

    /// How many of `n` concurrent calls of `body` (alternating between the two stores) returned true.
    static func race(_ n: Int, _ stores: (any Store, any Store), _ body: @escaping @Sendable (any Store, Int) async throws -> Bool) async throws -> Int {
        try await results(n, stores, body).filter { $0 }.count
    }

    // MARK: round trips

    @Test("activation, app, link, UBC, PIN reset and online code read back as stored", arguments: ContractStoreKind.available)
    func roundTrip(_ kind: ContractStoreKind) async throws {
        try await kind.withStores { store, _ in
            let s = try await Self.seed(store)
            let a = Self.activation(s.alice, hash: "hash-1")
            try await store.insertActivation(a, audit: Self.audit("authenticator.activation_issue", s.alice, s))
            #expect(try await store.activation(codeHash: "hash-1") == a)
            #expect(try await store.activation(codeHash: "nope") == nil)
            await #expect(throws: LifelineError.self, "a code hash is unique") {
                try await store.insertActivation(Self.activation(s.alice, hash: "hash-1"), audit: Self.audit("authenticator.activation_issue", s.alice, s))
            }
            let before = try await Self.events(store).count
            var device = Self.device()
            device.lastSeenAt = Self.t(5)
            let link = Self.link(device, s.alice)
            let done = try await store.completeActivation(AuthenticatorEnrolment(activationID: a.id, newDevice: device, link: link), now: Self.t(50),
                                                          maxPINFailures: Self.limit, outboxIfReplaced: [Self.notice()],
                                                          audit: [Self.audit("authenticator.activate", s.alice, s)])
            #expect(done == .done(replaced: []))
            #expect(try await store.activation(codeHash: "hash-1")?.usedAt == Self.t(50))
            #expect(try await store.authenticatorDevice(id: device.id) == device)
            #expect(try await store.authenticatorDevice(id: UUID()) == nil)
            #expect(try await store.authenticatorLinks(deviceID: device.id) == [link])
            let listed = try await store.authenticatorLinks(tenantID: s.acme.id, userID: s.alice.id)
            #expect(listed.map(\.link) == [link] && listed.map(\.device) == [device])
            #expect(try await store.recentMessages(limit: 10).isEmpty, "no earlier app: nobody is told")
            #expect(try await Self.events(store).count == before + 1)

            var current = try #require(try await store.currentAuthenticator(tenantID: s.acme.id, userID: s.alice.id))
            #expect(current == AuthenticatorCurrent(link: link, device: device, deviceLinks: [link], ubc: nil, onlineCode: nil))
            #expect(try await store.currentAuthenticator(tenantID: s.beta.id, userID: s.aliceBeta.id) == nil)

            let ubc = AuthenticatorUBC(id: UUID(), tenantID: s.acme.id, userID: s.alice.id, code: Fixture.sealed(), createdAt: Self.t(60),
                                       expiresAt: Self.t(86_400_000), issuedBy: "operator:anna")
            try await store.putUBC(ubc, audit: Self.audit("helpdesk.ubc_display", s.alice, s))
            #expect(try await store.authenticatorUBC(tenantID: s.acme.id, userID: s.alice.id) == ubc)
            #expect(try await store.authenticatorUBC(tenantID: s.beta.id, userID: s.aliceBeta.id) == nil)
            var replacement = ubc
            replacement.id = UUID(); replacement.code = Fixture.sealed()
            try await store.putUBC(replacement, audit: Self.audit("helpdesk.ubc_display", s.alice, s))
            #expect(try await store.authenticatorUBC(tenantID: s.acme.id, userID: s.alice.id) == replacement, "a new UBC replaces the old")

            let reset = AuthenticatorPINReset(tenantID: s.acme.id, userID: s.alice.id, openedBy: "operator:anna", openUntil: Self.t(900_000))
            try await store.putPINReset(reset, audit: Self.audit("helpdesk.pin_reset_present", s.alice, s))
            #expect(try await store.pinReset(tenantID: s.acme.id, userID: s.alice.id) == reset)
            #expect(try await store.pinReset(tenantID: s.beta.id, userID: s.aliceBeta.id) == nil)

            let code = AuthenticatorOnlineCode(linkID: link.id, codeHash: "online-1", expiresAt: Self.t(120_000))
            #expect(try await store.issueOnlineCode(code, deviceID: device.id, maxPINFailures: Self.limit, now: Self.t(70),
                                                    audit: Self.audit("authenticator.code", s.alice, s)))
            current = try #require(try await store.currentAuthenticator(tenantID: s.acme.id, userID: s.alice.id))
            #expect(current.onlineCode == code && current.ubc == replacement && current.device.lastSeenAt == Self.t(70))

            try await store.touchDevice(id: device.id, at: Self.t(80))
            try await store.touchDevice(id: device.id, at: Self.t(75))
            #expect(try await store.authenticatorDevice(id: device.id)?.lastSeenAt == Self.t(80), "last seen only moves forward")
            #expect(try await store.verifyChain().broken == nil)
        }
    }

    @Test("at rest: keys, verifier and UBC as sealed text, codes as their hashes only", arguments: Backend.available)
    func secretsAtRest(_ backend: Backend) async throws {
        try await withStore(backend) { store, _ in
            let s = try await Self.seed(store)
            let (device, link) = try await Self.activate(store, s.alice, s)
            _ = try await store.issueOnlineCode(AuthenticatorOnlineCode(linkID: link.id, codeHash: "sha-of-code", expiresAt: Self.t(120_000)),
                                                deviceID: device.id, maxPINFailures: Self.limit, now: Self.t(20), audit: Self.audit("authenticator.code", s.alice, s))
            let ubc = AuthenticatorUBC(id: UUID(), tenantID: s.acme.id, userID: s.alice.id, code: Fixture.sealed(), createdAt: Self.t(20),
                                       expiresAt: Self.t(86_400_000), issuedBy: "operator:anna")
            try await store.putUBC(ubc, audit: Self.audit("helpdesk.ubc_display", s.alice, s))
            func text(_ sql: SQLQueryString, _ column: String) async throws -> String? {
                try await store.backend.read { db in try await db.raw(sql).first()?.decode(column: column, as: String.self) }
            }
            #expect(try await text("SELECT pin_key FROM authenticator_devices", "pin_key") == device.pinKey.text)
            #expect(try await text("SELECT pin_verifier FROM authenticator_devices", "pin_verifier") == device.pinVerifier.text)
            #expect(try await text("SELECT org_key FROM authenticator_links", "org_key") == link.orgKey.text)
            #expect(try await text("SELECT code FROM authenticator_ubcs", "code") == ubc.code.text)
            #expect(try await text("SELECT code_hash FROM authenticator_online_codes", "code_hash") == "sha-of-code")
        }
    }

    @Test("an activation is refused when used or expired, writing nothing", arguments: ContractStoreKind.available)
    func activationUnusable(_ kind: ContractStoreKind) async throws {
        try await kind.withStores { store, _ in
            let s = try await Self.seed(store)
            let expired = Self.activation(s.alice, expires: 50)
            try await store.insertActivation(expired, audit: Self.audit("authenticator.activation_issue", s.alice, s))
            let before = try await Self.events(store).count
            let device = Self.device()
            let result = try await store.completeActivation(AuthenticatorEnrolment(activationID: expired.id, newDevice: device, link: Self.link(device, s.alice)),
                                                            now: Self.t(50), maxPINFailures: Self.limit, outboxIfReplaced: [],
                                                            audit: [Self.audit("authenticator.activate", s.alice, s)])
            #expect(result == .activationUnusable, "at expires_at it is expired")
            #expect(try await store.authenticatorDevice(id: device.id) == nil)
            #expect(try await store.activation(codeHash: expired.codeHash)?.usedAt == nil)
            #expect(try await Self.events(store).count == before)
            let unknown = try await store.completeActivation(AuthenticatorEnrolment(activationID: UUID(), newDevice: device, link: Self.link(device, s.alice)),
                                                             now: Self.t(1), maxPINFailures: Self.limit, outboxIfReplaced: [], audit: [])
            #expect(unknown == .activationUnusable)
        }
    }

    // MARK: races and single use

    @Test("20 apps race to complete one activation: exactly one is activated", arguments: ContractStoreKind.available)
    func activationClaimedOnce(_ kind: ContractStoreKind) async throws {
        try await kind.withStores { store, second in
            let s = try await Self.seed(store)
            let a = Self.activation(s.alice)
            try await store.insertActivation(a, audit: Self.audit("authenticator.activation_issue", s.alice, s))
            let wins = try await Self.race(20, (store, second)) { st, i in
                let device = Self.device(name: "phone \(i)")
                let r = try await st.completeActivation(AuthenticatorEnrolment(activationID: a.id, newDevice: device, link: Self.link(device, s.alice)),
                                                        now: Self.t(50), maxPINFailures: Self.limit, outboxIfReplaced: [Self.notice()],
                                                        audit: [Self.audit("authenticator.activate", s.alice, s)])
                if case .done = r { return true }
                return false
            }
            #expect(wins == 1)
            #expect(try await store.authenticatorLinks(tenantID: s.acme.id, userID: s.alice.id).count == 1)
            #expect(try await Self.count(store, "authenticator.activate") == 1)
            #expect(try await store.verifyChain().broken == nil)
        }
    }

    @Test("20 apps of one user activate at once, each with its own code: all complete, one after another, and one live app remains",
          arguments: ContractStoreKind.available)
    func concurrentActivationsOfOneUser(_ kind: ContractStoreKind) async throws {
        try await kind.withStores { store, second in
            let s = try await Self.seed(store)
            var activations: [AuthenticatorActivation] = []
            for _ in 0..<20 {
                let a = Self.activation(s.alice)
                try await store.insertActivation(a, audit: Self.audit("authenticator.activation_issue", s.alice, s))
                activations.append(a)
            }
            let issued = activations
            let replaced = try await Self.results(20, (store, second)) { st, i in
                let device = Self.device(name: "phone \(i)")
                let r = try await st.completeActivation(AuthenticatorEnrolment(activationID: issued[i].id, newDevice: device, link: Self.link(device, s.alice)),
                                                        now: Self.t(50), maxPINFailures: Self.limit, outboxIfReplaced: [],
                                                        audit: [Self.audit("authenticator.activate", s.alice, s)])
                guard case .done(let ids) = r else { return -1 }
                return ids.count
            }
            #expect(replaced.filter { $0 < 0 }.isEmpty, "every activation completes")
            #expect(replaced.reduce(0) { $0 + max($1, 0) } == 19, "each later one deactivates exactly the one before it")
            let links = try await store.authenticatorLinks(tenantID: s.acme.id, userID: s.alice.id).map(\.link)
            #expect(links.count == 20 && links.filter { $0.state != .deactivated }.count == 1)
        }
    }

    @Test("a new app deactivates the user's previous one (its online code gone, the owner told); adding an organization replaces nothing",
          arguments: ContractStoreKind.available)
    func activationDeactivatesPrevious(_ kind: ContractStoreKind) async throws {
        try await kind.withStores { store, _ in
            let s = try await Self.seed(store)
            let (old, oldLink) = try await Self.activate(store, s.alice, s)
            #expect(try await store.issueOnlineCode(AuthenticatorOnlineCode(linkID: oldLink.id, codeHash: "c", expiresAt: Self.t(120_000)),
                                                    deviceID: old.id, maxPINFailures: Self.limit, now: Self.t(11),
                                                    audit: Self.audit("authenticator.code", s.alice, s)))
            // The old app also serves beta: that link stays.
            let (added, betaLink) = try await Self.addOrganization(store, s.aliceBeta, s, device: old)
            #expect(added == .done(replaced: []))
            #expect(try await store.recentMessages(limit: 10).isEmpty)

            let newDevice = Self.device(name: "new phone")
            let a = Self.activation(s.alice)
            try await store.insertActivation(a, audit: Self.audit("authenticator.activation_issue", s.alice, s))
            let newLink = Self.link(newDevice, s.alice, at: 30)
            let result = try await store.completeActivation(AuthenticatorEnrolment(activationID: a.id, newDevice: newDevice, link: newLink),
                                                            now: Self.t(30), maxPINFailures: Self.limit, outboxIfReplaced: [Self.notice()],
                                                            audit: [Self.audit("authenticator.activate", s.alice, s)])
            #expect(result == .done(replaced: [oldLink.id]))
            let links = try await store.authenticatorLinks(deviceID: old.id)
            #expect(links.map(\.state) == [.deactivated, .active] && links.first?.deactivatedAt == Self.t(30) && links.last == betaLink)
            let current = try #require(try await store.currentAuthenticator(tenantID: s.acme.id, userID: s.alice.id))
            #expect(current.link == newLink && current.device == newDevice)
            #expect(!(try await store.consumeOnlineCode(linkID: oldLink.id, codeHash: "c", now: Self.t(40), audit: Self.audit("validate", s.alice, s))),
                    "the old app's code is gone")
            #expect(try await store.recentMessages(limit: 10).count == 1, "the owner is told once")
            #expect(try await store.authenticatorLinks(tenantID: s.acme.id, userID: s.alice.id).map(\.link.id) == [newLink.id, oldLink.id],
                    "newest first")
        }
    }

    @Test("a challenge is taken once by 20 racers; not by another device, nor after it expired", arguments: ContractStoreKind.available)
    func challengeTakenOnce(_ kind: ContractStoreKind) async throws {
        try await kind.withStores { store, second in
            let s = try await Self.seed(store)
            let (device, _) = try await Self.activate(store, s.alice, s)
            try await store.insertChallenge(AuthenticatorChallenge(hash: "ch-1", deviceID: device.id, expiresAt: Self.t(120_000)), now: Self.t(0))
            #expect(!(try await store.takeChallenge(hash: "ch-1", deviceID: UUID(), now: Self.t(1))), "another device's")
            try await Self.expectRace(20, (store, second), wins: 1) { st, _ in try await st.takeChallenge(hash: "ch-1", deviceID: device.id, now: Self.t(1)) }
            #expect(!(try await store.takeChallenge(hash: "ch-1", deviceID: device.id, now: Self.t(2))))
            try await store.insertChallenge(AuthenticatorChallenge(hash: "ch-2", deviceID: device.id, expiresAt: Self.t(120_000)), now: Self.t(0))
            #expect(!(try await store.takeChallenge(hash: "ch-2", deviceID: device.id, now: Self.t(120_000))), "at expires_at it is expired")
            // The port does not require the device to exist; such a challenge is never taken by another device.
            try await store.insertChallenge(AuthenticatorChallenge(hash: "ch-3", deviceID: UUID(), expiresAt: Self.t(120_000)), now: Self.t(0))
            #expect(!(try await store.takeChallenge(hash: "ch-3", deviceID: device.id, now: Self.t(1))))
        }
    }

    @Test("an online code is consumed once by 20 racers; a wrong, expired or blocked one never", arguments: ContractStoreKind.available)
    func onlineCodeConsumedOnce(_ kind: ContractStoreKind) async throws {
        try await kind.withStores { store, second in
            let s = try await Self.seed(store)
            let (device, link) = try await Self.activate(store, s.alice, s)
            func issue(_ hash: String, expires: Int64 = 120_000) async throws -> Bool {
                try await store.issueOnlineCode(AuthenticatorOnlineCode(linkID: link.id, codeHash: hash, expiresAt: Self.t(expires)), deviceID: device.id,
                                                maxPINFailures: Self.limit, now: Self.t(20), audit: Self.audit("authenticator.code", s.alice, s))
            }
            #expect(try await issue("code-1"))
            #expect(try await issue("code-2"), "a new code replaces the outstanding one")
            #expect(!(try await store.consumeOnlineCode(linkID: link.id, codeHash: "code-1", now: Self.t(30), audit: Self.audit("validate", s.alice, s))))
            let before = try await Self.count(store, "validate")
            try await Self.expectRace(20, (store, second), wins: 1) { st, _ in
                try await st.consumeOnlineCode(linkID: link.id, codeHash: "code-2", now: Self.t(30), audit: Self.audit("validate", s.alice, s))
            }
            #expect(try await Self.count(store, "validate") == before + 1, "audited once, with the use")
            #expect(try await issue("code-3", expires: 40))
            #expect(!(try await store.consumeOnlineCode(linkID: link.id, codeHash: "code-3", now: Self.t(40), audit: Self.audit("validate", s.alice, s))))
            #expect(try await issue("code-4"))
            #expect(try await store.blockLink(tenantID: s.acme.id, userID: s.alice.id, now: Self.t(50), audit: Self.audit("helpdesk.pin_block", s.alice, s)))
            #expect(!(try await store.consumeOnlineCode(linkID: link.id, codeHash: "code-4", now: Self.t(60), audit: Self.audit("validate", s.alice, s))))
            #expect(!(try await issue("code-5")), "a blocked link gets no code, even with the right PIN")
            #expect(!(try await store.blockLink(tenantID: s.acme.id, userID: s.alice.id, now: Self.t(70), audit: Self.audit("helpdesk.pin_block", s.alice, s))),
                    "blocked once")
            #expect(try await Self.count(store, "helpdesk.pin_block") == 1)
        }
    }

    @Test("a used online code stays readable as used: consumed twice, the second is false; a new code replaces it",
          arguments: ContractStoreKind.available)
    func usedOnlineCodeKept(_ kind: ContractStoreKind) async throws {
        try await kind.withStores { store, _ in
            let s = try await Self.seed(store)
            let (device, link) = try await Self.activate(store, s.alice, s)
            let code = AuthenticatorOnlineCode(linkID: link.id, codeHash: "code-1", expiresAt: Self.t(120_000))
            #expect(try await store.issueOnlineCode(code, deviceID: device.id, maxPINFailures: Self.limit, now: Self.t(20),
                                                    audit: Self.audit("authenticator.code", s.alice, s)))
            #expect(try await store.consumeOnlineCode(linkID: link.id, codeHash: "code-1", now: Self.t(30), audit: Self.audit("validate", s.alice, s)))
            #expect(!(try await store.consumeOnlineCode(linkID: link.id, codeHash: "code-1", now: Self.t(31), audit: Self.audit("validate", s.alice, s))),
                    "single use")
            #expect(try await Self.count(store, "validate") == 1, "the refused second use writes no audit")
            // Why kept: a replay of the used code must be recognised as that code (refused, uncounted), not taken for a
            // wrong PIN.
            let used = try #require(try await store.currentAuthenticator(tenantID: s.acme.id, userID: s.alice.id)?.onlineCode,
                                    "the used code is still there")
            #expect(used.codeHash == "code-1" && used.expiresAt == Self.t(120_000))
            #expect(used.usedAt == Self.t(30), "marked used, at the first use")
            // A new code replaces the used one, unused.
            let next = AuthenticatorOnlineCode(linkID: link.id, codeHash: "code-2", expiresAt: Self.t(240_000))
            #expect(try await store.issueOnlineCode(next, deviceID: device.id, maxPINFailures: Self.limit, now: Self.t(40),
                                                    audit: Self.audit("authenticator.code", s.alice, s)))
            #expect(try await store.currentAuthenticator(tenantID: s.acme.id, userID: s.alice.id)?.onlineCode == next)
            #expect(!(try await store.consumeOnlineCode(linkID: link.id, codeHash: "code-1", now: Self.t(50), audit: Self.audit("validate", s.alice, s))))
            #expect(try await store.consumeOnlineCode(linkID: link.id, codeHash: "code-2", now: Self.t(50), audit: Self.audit("validate", s.alice, s)))
        }
    }

    @Test("an offline step is consumed once by 20 racers; an earlier or equal step never; a correct one clears the wrong-PIN count",
          arguments: ContractStoreKind.available)
    func offlineStepConsumedOnce(_ kind: ContractStoreKind) async throws {
        try await kind.withStores { store, second in
            let s = try await Self.seed(store)
            let (device, link) = try await Self.activate(store, s.alice, s)
            _ = try await store.recordWrongPIN(deviceID: device.id, maxFailures: Self.limit, now: Self.t(15), audit: Self.audit("validate", s.alice, s), blockAudit: [])
            try await Self.expectRace(20, (store, second), wins: 1) { st, _ in
                try await st.consumeOfflineStep(linkID: link.id, step: 1000, maxPINFailures: Self.limit, now: Self.t(20),
                                                audit: Self.audit("authenticator.offline", s.alice, s))
            }
            #expect(try await Self.count(store, "authenticator.offline") == 1)
            #expect(try await store.authenticatorLinks(deviceID: device.id).first?.lastStep == 1000)
            #expect(try await store.authenticatorDevice(id: device.id)?.pinFailures == 0)
            for step: Int64 in [999, 1000] {
                #expect(!(try await store.consumeOfflineStep(linkID: link.id, step: step, maxPINFailures: Self.limit, now: Self.t(21),
                                                             audit: Self.audit("authenticator.offline", s.alice, s))), "step \(step)")
            }
            #expect(try await store.consumeOfflineStep(linkID: link.id, step: 1001, maxPINFailures: Self.limit, now: Self.t(22),
                                                       audit: Self.audit("authenticator.offline", s.alice, s)))
            #expect(try await store.blockLink(tenantID: s.acme.id, userID: s.alice.id, now: Self.t(23), audit: Self.audit("helpdesk.pin_block", s.alice, s)))
            _ = try await store.recordWrongPIN(deviceID: device.id, maxFailures: Self.limit, now: Self.t(24), audit: Self.audit("validate", s.alice, s), blockAudit: [])
            #expect(!(try await store.consumeOfflineStep(linkID: link.id, step: 1002, maxPINFailures: Self.limit, now: Self.t(25),
                                                         audit: Self.audit("authenticator.offline", s.alice, s))), "blocked: only the unblock code works")
            let after = try await store.authenticatorDevice(id: device.id)
            #expect(after?.pinFailures == 1, "a refused step writes nothing: the count stays")
            #expect(try await store.authenticatorLinks(deviceID: device.id).first?.lastStep == 1001)
        }
    }

    @Test("10 racing wrong PINs with a limit of 3: exactly 3 counted, one blocks every active link of the app, the rest refused",
          arguments: ContractStoreKind.available)
    func wrongPINsBlockAtTheLimit(_ kind: ContractStoreKind) async throws {
        try await kind.withStores { store, second in
            let s = try await Self.seed(store)
            let (device, link) = try await Self.activate(store, s.alice, s)
            let (_, betaLink) = try await Self.addOrganization(store, s.aliceBeta, s, device: device)
            #expect(try await store.issueOnlineCode(AuthenticatorOnlineCode(linkID: link.id, codeHash: "c", expiresAt: Self.t(120_000)), deviceID: device.id,
                                                    maxPINFailures: Self.limit, now: Self.t(30), audit: Self.audit("authenticator.code", s.alice, s)))
            let counts = try await Self.results(10, (store, second)) { st, _ in
                try await st.recordWrongPIN(deviceID: device.id, maxFailures: Self.limit, now: Self.t(40),
                                            audit: Self.audit("authenticator.wrong_pin", s.alice, s),
                                            blockAudit: [Self.audit("authenticator.pin_blocked", s.alice, s)])
            }.compactMap { $0 }
            #expect(counts.map(\.failures).sorted() == [1, 2, 3], "a limit of 3 counts 3, and refuses the other 7")
            #expect(counts.filter(\.blocked).map(\.failures) == [3], "only the 3rd blocks")
            let after = try #require(try await store.authenticatorDevice(id: device.id))
            #expect(after.pinFailures == 3)
            let links = try await store.authenticatorLinks(deviceID: device.id)
            #expect(links.map(\.state) == [.blocked, .blocked] && links.allSatisfy { $0.blockedReason == .pinFailures && $0.blockedAt == Self.t(40) })
            #expect(AuthenticatorLink.pinBlocked(links))
            #expect(try await Self.count(store, "authenticator.wrong_pin") == 3)
            #expect(try await Self.count(store, "authenticator.pin_blocked") == 1)
            #expect(try await store.currentAuthenticator(tenantID: s.acme.id, userID: s.alice.id)?.onlineCode == nil, "a blocked link's code is gone")
            #expect(try await store.recordWrongPIN(deviceID: device.id, maxFailures: Self.limit, now: Self.t(41),
                                                   audit: Self.audit("authenticator.wrong_pin", s.alice, s), blockAudit: []) == nil)
            #expect(try await store.recordWrongPIN(deviceID: UUID(), maxFailures: Self.limit, now: Self.t(41),
                                                   audit: Self.audit("authenticator.wrong_pin", s.alice, s), blockAudit: []) == nil)
            #expect(!(try await store.issueOnlineCode(AuthenticatorOnlineCode(linkID: betaLink.id, codeHash: "d", expiresAt: Self.t(120_000)),
                                                      deviceID: device.id, maxPINFailures: Self.limit, now: Self.t(42),
                                                      audit: Self.audit("authenticator.code", s.aliceBeta, s))), "a correct PIN never undoes a block")
            // Adding an organization to an app whose PIN is blocked writes nothing.
            let gamma = Fixture.tenant("gamma")
            try await store.insertTenant(gamma, audit: Fixture.audit("tenant.create", tenant: "gamma", subject: "gamma"))
            let aliceGamma = Fixture.user(gamma, "alice")
            try await store.insertUser(aliceGamma, contacts: [], audit: Fixture.audit("user.create", tenant: "gamma"))
            let before = try await Self.events(store).count
            let a = Self.activation(aliceGamma)
            try await store.insertActivation(a, audit: Fixture.audit("authenticator.activation_issue", tenant: "gamma"))
            let refused = try await store.completeActivation(AuthenticatorEnrolment(activationID: a.id, newDevice: nil, link: Self.link(device, aliceGamma)),
                                                             now: Self.t(50), maxPINFailures: Self.limit, outboxIfReplaced: [],
                                                             audit: [Fixture.audit("authenticator.activate", tenant: "gamma")])
            #expect(refused == .pinBlocked)
            #expect(try await store.activation(codeHash: a.codeHash)?.usedAt == nil, "the claim is undone")
            #expect(try await store.authenticatorLinks(deviceID: device.id).count == 2)
            #expect(try await Self.events(store).count == before + 1)
            #expect(try await store.verifyChain().broken == nil)
        }
    }

    @Test("10 racing wrong UBC entries with a limit of 3: exactly 3 counted, the 3rd blocks it, and a blocked UBC unblocks nothing",
          arguments: ContractStoreKind.available)
    func ubcBlocksAtTheLimit(_ kind: ContractStoreKind) async throws {
        try await kind.withStores { store, second in
            let s = try await Self.seed(store)
            let (device, link) = try await Self.activate(store, s.alice, s)
            _ = try await store.blockLink(tenantID: s.acme.id, userID: s.alice.id, now: Self.t(20), audit: Self.audit("helpdesk.pin_block", s.alice, s))
            let ubc = AuthenticatorUBC(id: UUID(), tenantID: s.acme.id, userID: s.alice.id, code: Fixture.sealed(), createdAt: Self.t(20),
                                       expiresAt: Self.t(86_400_000), issuedBy: "operator:anna")
            try await store.putUBC(ubc, audit: Self.audit("helpdesk.ubc_display", s.alice, s))
            let counted = try await Self.results(10, (store, second)) { st, _ in
                try await st.countUBCFailure(id: ubc.id, maxFailures: Self.limit, now: Self.t(30), audit: Self.audit("authenticator.ubc_wrong", s.alice, s),
                                             blockAudit: [Self.audit("authenticator.ubc_blocked", s.alice, s)])
            }.compactMap { $0 }
            #expect(counted.sorted() == [1, 2, 3], "a limit of 3 counts 3, and refuses the other 7")
            let stored = try #require(try await store.authenticatorUBC(tenantID: s.acme.id, userID: s.alice.id))
            #expect(stored.failures == 3 && stored.blocked)
            #expect(try await Self.count(store, "authenticator.ubc_wrong") == 3)
            #expect(try await Self.count(store, "authenticator.ubc_blocked") == 1)
            let change = AuthenticatorPINChange(authority: .ubc(id: ubc.id), linkID: link.id, deviceID: device.id, pinVerifier: Fixture.sealed(), pinLength: 4)
            #expect(!(try await store.setPIN(change, maxUBCFailures: Self.limit, now: Self.t(40), outbox: [], audit: [Self.audit("authenticator.unblock", s.alice, s)])))
            #expect(try await store.authenticatorLinks(deviceID: device.id).first?.state == .blocked)
            #expect(try await store.authenticatorDevice(id: device.id) == device, "a refused unblock writes nothing")
            // An expired UBC is neither counted nor used.
            var expired = ubc
            expired.id = UUID(); expired.failures = 0; expired.expiresAt = Self.t(50)
            try await store.putUBC(expired, audit: Self.audit("helpdesk.ubc_display", s.alice, s))
            #expect(try await store.countUBCFailure(id: expired.id, maxFailures: Self.limit, now: Self.t(50), audit: Self.audit("x", s.alice, s), blockAudit: []) == nil)
            let late = AuthenticatorPINChange(authority: .ubc(id: expired.id), linkID: link.id, deviceID: device.id, pinVerifier: Fixture.sealed(), pinLength: 4)
            #expect(!(try await store.setPIN(late, maxUBCFailures: Self.limit, now: Self.t(50), outbox: [], audit: [Self.audit("authenticator.unblock", s.alice, s)])))
        }
    }

    @Test("20 racers unblock with one UBC: accepted once; it sets the PIN and unblocks that organization only", arguments: ContractStoreKind.available)
    func unblockAcceptedOnce(_ kind: ContractStoreKind) async throws {
        try await kind.withStores { store, second in
            let s = try await Self.seed(store)
            let (device, link) = try await Self.activate(store, s.alice, s)
            let (_, betaLink) = try await Self.addOrganization(store, s.aliceBeta, s, device: device)
            for _ in 0..<Self.limit {
                _ = try await store.recordWrongPIN(deviceID: device.id, maxFailures: Self.limit, now: Self.t(30), audit: Self.audit("validate", s.alice, s), blockAudit: [])
            }
            let ubc = AuthenticatorUBC(id: UUID(), tenantID: s.acme.id, userID: s.alice.id, code: Fixture.sealed(), failures: 2, createdAt: Self.t(40),
                                       expiresAt: Self.t(86_400_000), issuedBy: "operator:anna")
            try await store.putUBC(ubc, audit: Self.audit("helpdesk.ubc_display", s.alice, s))
            let verifier = Fixture.sealed()
            // Another user's UBC, or this UBC for the other organization's link, unblocks nothing.
            let wrongLink = AuthenticatorPINChange(authority: .ubc(id: ubc.id), linkID: betaLink.id, deviceID: device.id, pinVerifier: verifier, pinLength: 6)
            #expect(!(try await store.setPIN(wrongLink, maxUBCFailures: Self.limit, now: Self.t(50), outbox: [], audit: [Self.audit("authenticator.unblock", s.alice, s)])))
            let change = AuthenticatorPINChange(authority: .ubc(id: ubc.id), linkID: link.id, deviceID: device.id, pinVerifier: verifier, pinLength: 6)
            try await Self.expectRace(20, (store, second), wins: 1) { st, _ in
                try await st.setPIN(change, maxUBCFailures: Self.limit, now: Self.t(50), outbox: [Self.notice()],
                                    audit: [Self.audit("authenticator.unblock", s.alice, s)])
            }
            #expect(try await Self.count(store, "authenticator.unblock") == 1)
            #expect(try await store.recentMessages(limit: 10).count == 1)
            #expect(try await store.authenticatorUBC(tenantID: s.acme.id, userID: s.alice.id) == nil, "a used UBC is gone")
            let after = try #require(try await store.authenticatorDevice(id: device.id))
            #expect(after.pinVerifier == verifier && after.pinLength == 6 && after.pinFailures == 0 && after.lastSeenAt == Self.t(50))
            let links = try await store.authenticatorLinks(deviceID: device.id)
            #expect(links.first { $0.id == link.id }.map { $0.state == .active && $0.blockedReason == nil && $0.blockedAt == nil } == true)
            #expect(links.first { $0.id == betaLink.id }?.state == .blocked, "the other organization stays blocked")
        }
    }

    @Test("an offline unblock's step is used once (no replay); an operator's open reset sets the PIN once", arguments: ContractStoreKind.available)
    func offlineUnblockAndReset(_ kind: ContractStoreKind) async throws {
        try await kind.withStores { store, second in
            let s = try await Self.seed(store)
            let (device, link) = try await Self.activate(store, s.alice, s)
            #expect(try await store.consumeOfflineStep(linkID: link.id, step: 500, maxPINFailures: Self.limit, now: Self.t(15),
                                                       audit: Self.audit("authenticator.offline", s.alice, s)))
            _ = try await store.blockLink(tenantID: s.acme.id, userID: s.alice.id, now: Self.t(20), audit: Self.audit("helpdesk.pin_block", s.alice, s))
            func ubc() async throws -> UUID {
                let u = AuthenticatorUBC(id: UUID(), tenantID: s.acme.id, userID: s.alice.id, code: Fixture.sealed(), createdAt: Self.t(20),
                                         expiresAt: Self.t(86_400_000), issuedBy: "operator:anna")
                try await store.putUBC(u, audit: Self.audit("helpdesk.ubc_display", s.alice, s))
                return u.id
            }
            var id = try await ubc()
            let replay = AuthenticatorPINChange(authority: .ubc(id: id), linkID: link.id, deviceID: device.id, pinVerifier: Fixture.sealed(), pinLength: 4, step: 500)
            #expect(!(try await store.setPIN(replay, maxUBCFailures: Self.limit, now: Self.t(30), outbox: [], audit: [Self.audit("authenticator.unblock", s.alice, s)])),
                    "a step already used")
            #expect(try await store.authenticatorUBC(tenantID: s.acme.id, userID: s.alice.id)?.id == id, "the UBC stays when the step is refused")
            let offline = AuthenticatorPINChange(authority: .ubc(id: id), linkID: link.id, deviceID: device.id, pinVerifier: Fixture.sealed(), pinLength: 4, step: 501)
            try await Self.expectRace(10, (store, second), wins: 1) { st, _ in
                try await st.setPIN(offline, maxUBCFailures: Self.limit, now: Self.t(30), outbox: [], audit: [Self.audit("authenticator.unblock", s.alice, s)])
            }
            let unblocked = try #require(try await store.authenticatorLinks(deviceID: device.id).first)
            #expect(unblocked.state == .active && unblocked.lastStep == 501)
            // Replay of the same 9-digit code with a new UBC: its step is used.
            _ = try await store.blockLink(tenantID: s.acme.id, userID: s.alice.id, now: Self.t(40), audit: Self.audit("helpdesk.pin_block", s.alice, s))
            id = try await ubc()
            var again = offline
            again.authority = .ubc(id: id)
            #expect(!(try await store.setPIN(again, maxUBCFailures: Self.limit, now: Self.t(41), outbox: [], audit: [Self.audit("authenticator.unblock", s.alice, s)])))

            // The operator-held reset: refused while none is open, used once.
            let reset = AuthenticatorPINChange(authority: .operatorReset, linkID: link.id, deviceID: device.id, pinVerifier: Fixture.sealed(), pinLength: 4)
            #expect(!(try await store.setPIN(reset, maxUBCFailures: Self.limit, now: Self.t(50), outbox: [], audit: [Self.audit("authenticator.pin_reset", s.alice, s)])))
            try await store.putPINReset(AuthenticatorPINReset(tenantID: s.acme.id, userID: s.alice.id, openedBy: "operator:anna", openUntil: Self.t(60)),
                                        audit: Self.audit("helpdesk.pin_reset_present", s.alice, s))
            #expect(!(try await store.setPIN(reset, maxUBCFailures: Self.limit, now: Self.t(60), outbox: [], audit: [Self.audit("authenticator.pin_reset", s.alice, s)])),
                    "at open_until it is closed")
            try await store.putPINReset(AuthenticatorPINReset(tenantID: s.acme.id, userID: s.alice.id, openedBy: "operator:anna", openUntil: Self.t(900_000)),
                                        audit: Self.audit("helpdesk.pin_reset_present", s.alice, s))
            try await Self.expectRace(10, (store, second), wins: 1) { st, _ in
                try await st.setPIN(reset, maxUBCFailures: Self.limit, now: Self.t(61), outbox: [], audit: [Self.audit("authenticator.pin_reset", s.alice, s)])
            }
            #expect(try await store.pinReset(tenantID: s.acme.id, userID: s.alice.id) == nil)
            #expect(try await store.authenticatorDevice(id: device.id)?.pinVerifier == reset.pinVerifier)
            #expect(try await Self.count(store, "authenticator.pin_reset") == 1)
        }
    }

    @Test("a failed transaction writes nothing: an activation whose link cannot be inserted leaves the old app active and the code unused",
          arguments: ContractStoreKind.available)
    func failedTransactionWritesNothing(_ kind: ContractStoreKind) async throws {
        try await kind.withStores { store, _ in
            let s = try await Self.seed(store)
            let (_, oldLink) = try await Self.activate(store, s.alice, s)
            let before = try await Self.events(store).count
            let a = Self.activation(s.alice)
            try await store.insertActivation(a, audit: Self.audit("authenticator.activation_issue", s.alice, s))
            let device = Self.device()
            var clash = Self.link(device, s.alice, at: 30)
            clash.id = oldLink.id // the link's insert fails on its primary key, after the claim and the deactivation
            await #expect(throws: (any Error).self) {
                _ = try await store.completeActivation(AuthenticatorEnrolment(activationID: a.id, newDevice: device, link: clash), now: Self.t(30),
                                                       maxPINFailures: Self.limit, outboxIfReplaced: [Self.notice()],
                                                       audit: [Self.audit("authenticator.activate", s.alice, s)])
            }
            #expect(try await store.activation(codeHash: a.codeHash)?.usedAt == nil)
            #expect(try await store.authenticatorDevice(id: device.id) == nil)
            #expect(try await store.currentAuthenticator(tenantID: s.acme.id, userID: s.alice.id)?.link == oldLink)
            #expect(try await store.recentMessages(limit: 10).isEmpty)
            #expect(try await Self.events(store).count == before + 1)
            await #expect(throws: (any Error).self, "an activation for a user that does not exist") {
                try await store.insertActivation(Self.activation(Fixture.user(s.acme, "ghost")), audit: Self.audit("authenticator.activation_issue", s.alice, s))
            }
            #expect(try await Self.events(store).count == before + 1)
            #expect(try await store.verifyChain().broken == nil)
        }
    }
}

/// The stores the Authenticator contract runs on.
enum ContractStoreKind: String, Sendable, CustomTestStringConvertible {
    case inMemory = "in-memory", sqlite, postgres

    static var available: [ContractStoreKind] { [.inMemory] + Backend.available.map { $0 == .sqlite ? .sqlite : .postgres } }

    var testDescription: String { rawValue }

    /// Runs `body` with a fresh store and a second view of it: for SQL another store instance on the same database (its
    /// own connections, like another server process); in memory the same store.
    func withStores(_ body: (any AuthenticatorStoreTests.Store, any AuthenticatorStoreTests.Store) async throws -> Void) async throws {
        switch self {
        case .inMemory:
            let store = InMemoryStore()
            try await body(store, store)
        case .sqlite, .postgres:
            try await withStore(self == .sqlite ? .sqlite : .postgres, maxConnections: 20) { store, db in
                try await db.withSecondStore(maxConnections: 20) { second in try await body(store, second) }
            }
        }
    }
}
