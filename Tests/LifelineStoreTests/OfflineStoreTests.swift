import Foundation
import LifelineCore
@testable import LifelineStore
import SQLKit
import Testing

/// The offline store contract (issue 17, ``OfflineStore``) on SQLite and (when `LIFELINE_TEST_POSTGRES_URL` is set)
/// PostgreSQL: agents and groups here, grants in `OfflineGrantStoreTests`, emergency tokencodes in
/// `OfflineEmergencyCodeStoreTests`. The races run half their callers on a second store instance on the same database,
/// like a second server process. The tests use the ports only (and `OfflineStoreKind`), so that another adapter of
/// ``OfflineStore`` can join them as a case of its own.
@Suite("Store contract: offline agents and groups")
struct OfflineStoreTests {
    typealias Store = OfflineStore & TenantStore & UserStore & TokenStore & TransactionStore & APIKeyStore & AuditLog
    static let t = Fixture.time

    // MARK: fixtures

    struct Seeded {
        let acme: Tenant
        let beta: Tenant
        let alice: User
        let bob: User
        let token: StoredToken
    }

    static func seed(_ store: any Store) async throws -> Seeded {
        let acme = Fixture.tenant("acme"), beta = Fixture.tenant("beta")
        try await store.insertTenant(acme, audit: Fixture.audit("tenant.create", tenant: "acme", subject: "acme"))
        try await store.insertTenant(beta, audit: Fixture.audit("tenant.create", tenant: "beta", subject: "beta"))
        let alice = Fixture.user(acme, "alice"), bob = Fixture.user(acme, "bob")
        try await store.insertUser(alice, contacts: [], audit: Fixture.audit("user.create"))
        try await store.insertUser(bob, contacts: [], audit: Fixture.audit("user.create"))
        let token = Fixture.token(alice)
        try await store.insertToken(token, audit: Fixture.audit("token.enroll"))
        return Seeded(acme: acme, beta: beta, alice: alice, bob: bob, token: token)
    }

    /// A new agent of `tenant` and its key (role `agent`), not stored.
    static func agent(_ tenant: Tenant, _ name: String, at millis: Int64 = 10) -> (Agent, APIKey) {
        let keyID = "k" + UUID().uuidString.prefix(8).lowercased()
        let key = APIKey(id: keyID, name: "agent \(name)", role: .agent, tenantID: tenant.id, secretHash: (0..<32).map { _ in .random(in: 0...255) },
                         createdAt: t(millis), createdBy: "cli")
        return (Agent(id: UUID(), tenantID: tenant.id, name: name, apiKeyID: keyID, createdAt: t(millis), createdBy: "cli"), key)
    }

    /// Registers an agent; returns it.
    @discardableResult
    static func register(_ store: any Store, _ tenant: Tenant, _ name: String, at millis: Int64 = 10) async throws -> Agent {
        let (a, key) = agent(tenant, name, at: millis)
        try await store.insertAgent(a, key: key, audit: Fixture.audit("agent.register", tenant: tenant.name, time: t(millis)))
        return a
    }

    static func events(_ store: any Store) async throws -> [String] {
        try await store.recentEvents(tenant: nil, limit: 10_000).reversed().map(\.record.event)
    }

    static func count(_ store: any Store, _ event: String) async throws -> Int { try await events(store).filter { $0 == event }.count }

    /// The results of `n` concurrent calls of `body`, alternating between the two stores.
    static func results<T: Sendable>(_ n: Int, _ stores: (any Store, any Store), _ body: @escaping @Sendable (any Store, Int) async throws -> T) async throws -> [T] {
        let (a, b) = stores
        return try await withThrowingTaskGroup(of: T.self) { group in
            for i in 0..<n { group.addTask { try await body(i % 2 == 0 ? a : b, i) } }
            var all: [T] = []
            for try await r in group { all.append(r) }
            return all
        }
    }

    // MARK: agents

    @Test("an agent and its key are stored together and read back by id, key and tenant", arguments: OfflineStoreKind.available)
    func agentRoundTrip(_ kind: OfflineStoreKind) async throws {
        try await kind.withStores { store, _ in
            let s = try await Self.seed(store)
            let before = try await Self.events(store).count
            let (zulu, zuluKey) = Self.agent(s.acme, "zulu")
            try await store.insertAgent(zulu, key: zuluKey, audit: Fixture.audit("agent.register"))
            let alpha = try await Self.register(store, s.acme, "Alpha")
            let other = try await Self.register(store, s.beta, "zulu")
            #expect(try await store.agent(id: zulu.id) == zulu)
            #expect(try await store.agent(apiKeyID: zuluKey.id) == zulu)
            #expect(try await store.agent(id: UUID()) == nil)
            #expect(try await store.agent(apiKeyID: "nope") == nil)
            #expect(try await store.agents(tenantID: s.acme.id) == [alpha, zulu], "by name, case-insensitively")
            #expect(try await store.agents(tenantID: s.beta.id) == [other])
            #expect(try await store.apiKey(id: zuluKey.id) == zuluKey, "the key was inserted with the agent")
            #expect(try await Self.events(store).count == before + 3)
            #expect(try await store.verifyChain().broken == nil)
        }
    }

    @Test("a live agent's name again (any case) is a conflict and writes nothing; a revoked one's name is free",
          arguments: OfflineStoreKind.available)
    func duplicateName(_ kind: OfflineStoreKind) async throws {
        try await kind.withStores { store, _ in
            let s = try await Self.seed(store)
            let first = try await Self.register(store, s.acme, "Laptop-1")
            let before = try await Self.events(store).count
            let (dup, dupKey) = Self.agent(s.acme, "laptop-1")
            await #expect(throws: LifelineError.self) {
                try await store.insertAgent(dup, key: dupKey, audit: Fixture.audit("agent.register"))
            }
            do {
                try await store.insertAgent(dup, key: dupKey, audit: Fixture.audit("agent.register"))
            } catch let e as LifelineError {
                #expect(e.code == .conflict)
            }
            #expect(try await store.agent(id: dup.id) == nil)
            #expect(try await store.apiKey(id: dupKey.id) == nil, "the key is not kept either")
            #expect(try await store.agents(tenantID: s.acme.id) == [first])
            #expect(try await Self.events(store).count == before, "no audit event")
            #expect(try await store.revokeAgent(id: first.id, now: Self.t(100), audit: Fixture.audit("agent.revoke")))
            let again = try await Self.register(store, s.acme, "LAPTOP-1", at: 200)
            #expect(try await store.agents(tenantID: s.acme.id).map(\.id) == [first.id, again.id])
        }
    }

    @Test("10 registrations of one name race: exactly one is stored", arguments: OfflineStoreKind.available)
    func registrationRace(_ kind: OfflineStoreKind) async throws {
        try await kind.withStores { store, second in
            let s = try await Self.seed(store)
            let outcomes = try await Self.results(10, (store, second)) { st, i -> Bool in
                do {
                    try await Self.register(st, s.acme, i % 2 == 0 ? "shared" : "SHARED")
                    return true
                } catch let e as LifelineError where e.code == .conflict { return false }
            }
            #expect(outcomes.filter { $0 }.count == 1)
            #expect(try await store.agents(tenantID: s.acme.id).count == 1)
            #expect(try await store.apiKeys(tenantID: s.acme.id).count == 1, "the losers' keys were rolled back")
            #expect(try await Self.count(store, "agent.register") == 1)
        }
    }

    @Test("revoking ends the agent's live grants and revokes its key, at once in this process, once", arguments: OfflineStoreKind.available)
    func revoke(_ kind: OfflineStoreKind) async throws {
        try await kind.withStores { store, _ in
            let s = try await Self.seed(store)
            let a = try await Self.register(store, s.acme, "a"), b = try await Self.register(store, s.acme, "b")
            let ga = OfflineGrantStoreTests.grant(s, agent: a), gb = OfflineGrantStoreTests.grant(s, agent: b)
            try await store.issueGrant(ga, now: Self.t(20), audit: Fixture.audit("offline.issue"))
            try await store.issueGrant(gb, now: Self.t(20), audit: Fixture.audit("offline.issue"))
            #expect(try await store.apiKey(id: a.apiKeyID)?.revokedAt == nil, "read (and cached) while live")
            #expect(try await store.revokeAgent(id: a.id, now: Self.t(100), audit: Fixture.audit("agent.revoke")))
            #expect(try await store.agent(id: a.id)?.revokedAt == Self.t(100))
            #expect(try await store.apiKey(id: a.apiKeyID)?.revokedAt == Self.t(100), "the cached key is seen revoked at once")
            let ended = try #require(try await store.grant(id: ga.id))
            #expect(ended.endedAt == Self.t(100) && ended.endedReason == "agent_revoked")
            #expect(try await store.grant(id: gb.id)?.isLive == true, "another agent's grant stays")
            #expect(try await store.apiKey(id: b.apiKeyID)?.revokedAt == nil)
            let before = try await Self.events(store).count
            #expect(try await store.revokeAgent(id: a.id, now: Self.t(200), audit: Fixture.audit("agent.revoke")) == false)
            #expect(try await store.revokeAgent(id: UUID(), now: Self.t(200), audit: Fixture.audit("agent.revoke")) == false)
            #expect(try await store.agent(id: a.id)?.revokedAt == Self.t(100), "the first time is kept")
            #expect(try await Self.events(store).count == before)
            #expect(try await Self.count(store, "agent.revoke") == 1)
        }
    }

    @Test("last seen is written at most once a minute, and only forward", arguments: OfflineStoreKind.available)
    func touch(_ kind: OfflineStoreKind) async throws {
        try await kind.withStores { store, second in
            let s = try await Self.seed(store)
            let a = try await Self.register(store, s.acme, "a")
            let before = try await Self.events(store).count
            try await store.touchAgent(id: a.id, at: Self.t(1_000))
            #expect(try await store.agent(id: a.id)?.lastSeenAt == Self.t(1_000))
            try await store.touchAgent(id: a.id, at: Self.t(59_000))
            try await second.touchAgent(id: a.id, at: Self.t(60_999))
            #expect(try await store.agent(id: a.id)?.lastSeenAt == Self.t(1_000), "within the minute: not written")
            try await second.touchAgent(id: a.id, at: Self.t(61_000))
            #expect(try await store.agent(id: a.id)?.lastSeenAt == Self.t(61_000))
            try await store.touchAgent(id: a.id, at: Self.t(62_000))
            try await store.touchAgent(id: a.id, at: Self.t(10))
            #expect(try await store.agent(id: a.id)?.lastSeenAt == Self.t(61_000))
            try await store.touchAgent(id: a.id, at: Self.t(200_000))
            #expect(try await store.agent(id: a.id)?.lastSeenAt == Self.t(200_000))
            #expect(try await Self.events(store).count == before, "bookkeeping: no audit")
        }
    }

    // MARK: groups

    @Test("groups are replaced whole, read sorted, merged case-insensitively, each change audited", arguments: OfflineStoreKind.available)
    func groups(_ kind: OfflineStoreKind) async throws {
        try await kind.withStores { store, _ in
            let s = try await Self.seed(store)
            #expect(try await store.groups(userID: s.alice.id) == [])
            try await store.setGroups(tenantID: s.acme.id, userID: s.alice.id, groups: ["sales", "Engineering", "VPN users"],
                                      audit: Fixture.audit("user.groups"))
            try await store.setGroups(tenantID: s.acme.id, userID: s.bob.id, groups: ["sales"], audit: Fixture.audit("user.groups"))
            #expect(try await store.groups(userID: s.alice.id) == ["Engineering", "VPN users", "sales"])
            try await store.setGroups(tenantID: s.acme.id, userID: s.alice.id, groups: ["laptops", "LAPTOPS", "sales"],
                                      audit: Fixture.audit("user.groups"))
            #expect(try await store.groups(userID: s.alice.id) == ["laptops", "sales"])
            #expect(try await store.groups(userID: s.bob.id) == ["sales"], "another user's groups stay")
            try await store.setGroups(tenantID: s.acme.id, userID: s.alice.id, groups: [], audit: Fixture.audit("user.groups"))
            #expect(try await store.groups(userID: s.alice.id) == [])
            #expect(try await Self.count(store, "user.groups") == 4)
        }
    }

    @Test("10 replacements of one user's groups race: one list wins whole", arguments: OfflineStoreKind.available)
    func groupsRace(_ kind: OfflineStoreKind) async throws {
        try await kind.withStores { store, second in
            let s = try await Self.seed(store)
            let lists = (0..<10).map { i in (0..<5).map { "g\(i)-\($0)" } }
            _ = try await Self.results(10, (store, second)) { st, i in
                try await st.setGroups(tenantID: s.acme.id, userID: s.alice.id, groups: lists[i], audit: Fixture.audit("user.groups"))
            }
            let stored = try await store.groups(userID: s.alice.id)
            #expect(lists.map { $0.sorted() }.contains(stored), "\(stored)")
            #expect(try await Self.count(store, "user.groups") == 10)
        }
    }
}

/// The offline store's adapters under test: SQL ones get a second store instance on the same database (its own
/// connections, like another server process).
enum OfflineStoreKind: String, Sendable, CustomTestStringConvertible {
    case sqlite, postgres

    static var available: [OfflineStoreKind] { Backend.available.map { $0 == .sqlite ? .sqlite : .postgres } }

    var testDescription: String { rawValue }

    func withStores(_ body: (any OfflineStoreTests.Store, any OfflineStoreTests.Store) async throws -> Void) async throws {
        try await withStore(self == .sqlite ? .sqlite : .postgres, maxConnections: 20) { store, db in
            try await db.withSecondStore(maxConnections: 20) { second in try await body(store, second) }
        }
    }
}
