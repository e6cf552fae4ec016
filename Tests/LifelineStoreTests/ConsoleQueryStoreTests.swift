import Foundation
import LifelineCore
@testable import LifelineStore
import LifelineTestStore
import Testing

/// The console's queries (``ConsoleQueryStore``) on SQLite and PostgreSQL, and the in-memory store read the same way.
@Suite("Store contract: console queries (search, audit filter, attention)")
struct ConsoleQueryStoreTests {
    struct Seeded { let acme: Tenant; let other: Tenant; let alice: User; let bob: User; let olga: User; let token: StoredToken }

    /// acme: alice (email, phone, card, token), bob "Bob 100%_Sure" (display name with wildcards); other: olga.
    static func seed(_ store: some ConsoleQueryStore & TenantStore & UserStore & CardStore & TokenStore & TransactionStore) async throws -> Seeded {
        let acme = Fixture.tenant("acme"), other = Fixture.tenant("other")
        try await store.insertTenant(acme, audit: Fixture.audit("tenant.create", tenant: "acme", subject: "acme"))
        try await store.insertTenant(other, audit: Fixture.audit("tenant.create", tenant: "other", subject: "other"))
        let alice = Fixture.user(acme, "Alice")
        var bob = Fixture.user(acme, "bob"); bob.displayName = "Bob 100%_Sure"
        var olga = Fixture.user(other, "olga"); olga.displayName = "Olga Alice-Namesake"
        let t = Fixture.t0
        try await store.insertUser(alice, contacts: [
            Contact(id: UUID(), userID: alice.id, kind: .email, value: "alice.w@Example.com", verified: true, createdAt: t),
            Contact(id: UUID(), userID: alice.id, kind: .phone, value: "+420777123789", verified: false, createdAt: t),
        ], audit: Fixture.audit("user.create"))
        try await store.insertUser(bob, contacts: [], audit: Fixture.audit("user.create", subject: "bob"))
        try await store.insertUser(olga, contacts: [
            Contact(id: UUID(), userID: olga.id, kind: .email, value: "olga@other.example", verified: true, createdAt: t),
        ], audit: Fixture.audit("user.create", tenant: "other", subject: "olga"))
        try await store.insertCard(StoredCard(card: SmartCard(id: UUID(), tenantID: acme.id, userID: alice.id, serial: "SC-7781",
                                                              algorithm: .aes128, createdAt: t), key: Fixture.sealed()),
                                   audit: Fixture.audit("card.import"))
        let token = Fixture.token(alice)
        try await store.insertToken(token, audit: Fixture.audit("token.enroll"))
        return Seeded(acme: acme, other: other, alice: alice, bob: bob, olga: olga, token: token)
    }

    static func names(_ store: some ConsoleQueryStore, _ text: String, _ tenants: Set<UUID>?) async throws -> [String] {
        try await store.searchUsers(try UserSearch.Query(text, tenantIDs: tenants)).map { "\($0.tenantName)/\($0.user.username)" }
    }

    /// The search table, run against each store.
    static func checkSearch(_ store: some ConsoleQueryStore, _ s: Seeded) async throws {
        let all: Set<UUID>? = nil
        #expect(try await names(store, "ALI", all) == ["acme/Alice", "other/olga"], "username, and a display name, any case")
        #expect(try await names(store, "example.COM", all) == ["acme/Alice"], "email, any case")
        #expect(try await names(store, "777 123", all) == ["acme/Alice"], "phone, typed with a space")
        #expect(try await names(store, "+420777", all) == ["acme/Alice"], "phone with its plus")
        #expect(try await names(store, "sc-778", all) == ["acme/Alice"], "card serial")
        let tokenPrefix = String(s.token.token.id.uuidString.lowercased().prefix(8))
        #expect(try await names(store, tokenPrefix.uppercased(), all) == ["acme/Alice"], "token id")
        #expect(try await names(store, "olga@other", all) == ["other/olga"])
        // Wildcards typed by the operator match themselves only.
        #expect(try await names(store, "0%_s", all) == ["acme/bob"])
        #expect(try await names(store, "%%", all) == [], "a literal %% is in no field")
        #expect(try await names(store, "__", all) == [], "a literal __ is in no field")
        #expect(try await names(store, "b_b", all) == [], "_ is not any one character")
        #expect(try await names(store, "a\\", all) == [], "a backslash is literal too")
        // Tenant scope: an operator of acme never finds other's users, even by their exact address.
        #expect(try await names(store, "olga", [s.acme.id]) == [])
        #expect(try await names(store, "ali", [s.acme.id]) == ["acme/Alice"])
        #expect(try await names(store, "ali", [s.other.id]) == ["other/olga"])
        #expect(try await names(store, "ali", []) == [], "no tenant is nobody, never everybody")
        // Bounded.
        #expect(try await store.searchUsers(try UserSearch.Query("ali", tenantIDs: nil, limit: 1)).count == 1)
    }

    @Test("search by username, display name, email, phone, card serial and token id; wildcards literal; tenant scope",
          arguments: Backend.available)
    func search(_ backend: Backend) async throws {
        try await withStore(backend) { store, _ in try await Self.checkSearch(store, try await Self.seed(store)) }
    }

    @Test("the in-memory store searches alike")
    func searchInMemory() async throws {
        let store = InMemoryStore()
        try await Self.checkSearch(store, try await Self.seed(store))
    }

    @Test("audit filter: tenants, time, event, actor, subject, outcome, paging; hourly counts", arguments: Backend.available)
    func auditFilter(_ backend: Backend) async throws {
        try await withStore(backend) { store, _ in
            _ = try await Self.seed(store)
            let hour0 = Date(timeIntervalSince1970: 1_800_000_000 - 1_800_000_000.truncatingRemainder(dividingBy: 3600))
            for i in 0..<5 {
                try await store.append(AuditRecord(time: hour0.addingTimeInterval(Double(i) * 1000), tenant: i == 4 ? "other" : "acme",
                                                   actor: "anonymous", subject: "alice", event: "recovery.failed", outcome: "failure"))
            }
            try await store.append(AuditRecord(time: hour0.addingTimeInterval(3700), tenant: "acme", actor: "operator:ann", subject: "alice",
                                               event: "recovery.failed", outcome: "failure"))
            var f = AuditFilter(tenants: ["acme"])
            f.events = ["recovery.failed"]
            f.limit = 100
            let acme = try await store.auditEvents(f)
            #expect(acme.count == 5)
            #expect(acme.map(\.record.time) == acme.map(\.record.time).sorted(by: >), "newest first")
            #expect(try await store.hourlyAuditCounts(f) == [hour0: 4, hour0.addingTimeInterval(3600): 1])
            f.tenants = nil
            #expect(try await store.hourlyAuditCounts(f) == [hour0: 4, hour0.addingTimeInterval(3600): 2])
            f.tenants = []
            #expect(try await store.auditEvents(f).isEmpty, "no tenant reads nothing")
            f.tenants = ["acme"]
            f.actor = "operator:ann"
            #expect(try await store.auditEvents(f).map(\.record.actor) == ["operator:ann"])
            f.actor = nil
            f.from = hour0.addingTimeInterval(1000); f.to = hour0.addingTimeInterval(3000)
            #expect(try await store.auditEvents(f).count == 2, "from inclusive, to exclusive")
            f.from = nil; f.to = nil
            f.limit = 2; f.offset = 4
            #expect(try await store.auditEvents(f).count == 1, "the last page")
            var g = AuditFilter(tenants: ["acme"])
            g.subject = "bob"; g.outcome = "success"
            #expect(try await store.auditEvents(g).map(\.record.event) == ["user.create"])
        }
    }

    @Test("tokens needing attention: locked first, then throttled, within the tenants; failed messages counted", arguments: Backend.available)
    func attention(_ backend: Backend) async throws {
        try await withStore(backend) { store, _ in
            let s = try await Self.seed(store)
            let now = Fixture.time(10_000)
            #expect(try await store.attentionTokens(tenantIDs: nil, now: now, limit: 10).isEmpty)
            try await store.recordFailure([TokenFailure(tokenID: s.token.token.id, seenFailCount: 0, throttledUntil: now.addingTimeInterval(60), lock: false)],
                                          audit: Fixture.audit("token.fail"))
            #expect(try await store.attentionTokens(tenantIDs: nil, now: now, limit: 10).map(\.id) == [s.token.token.id])
            #expect(try await store.attentionTokens(tenantIDs: nil, now: now.addingTimeInterval(61), limit: 10).isEmpty, "a throttle that ended")
            let olgaToken = Fixture.token(s.olga)
            try await store.insertToken(olgaToken, audit: Fixture.audit("token.enroll", tenant: "other"))
            try await store.recordFailure([TokenFailure(tokenID: olgaToken.token.id, seenFailCount: 0, throttledUntil: nil, lock: true)],
                                          audit: Fixture.audit("token.fail", tenant: "other"))
            #expect(try await store.attentionTokens(tenantIDs: nil, now: now, limit: 10).map(\.id) == [olgaToken.token.id, s.token.token.id])
            #expect(try await store.attentionTokens(tenantIDs: [s.acme.id], now: now, limit: 10).map(\.id) == [s.token.token.id])
            #expect(try await store.attentionTokens(tenantIDs: [], now: now, limit: 10).isEmpty)
            #expect(try await store.failedMessageCount(tenants: nil, since: Fixture.t0) == 0)
        }
    }
}
