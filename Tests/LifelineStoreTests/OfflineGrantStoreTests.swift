import Foundation
import LifelineCore
@testable import LifelineStore
import Testing

/// The offline store contract's grants (issued windows; see `OfflineStoreTests` for the set-up): issue replaces,
/// single-use refills under races, conditional ends, each audited exactly when it changed something.
@Suite("Store contract: offline grants")
struct OfflineGrantStoreTests {
    typealias T = OfflineStoreTests
    static let t = Fixture.time
    static let day: Int64 = 86_400_000

    /// A live grant of Alice's token to `agent`'s `machine`, issued at `issued`, for 7 days.
    static func grant(_ s: T.Seeded, agent: Agent, machine: String = "laptop-1", refill: [UInt8] = random32(), issued: Int64 = 20,
                      pin: Bool = true) -> OfflineGrant {
        OfflineGrant(id: UUID(), tenantID: s.acme.id, userID: s.alice.id, tokenID: s.token.token.id, agentID: agent.id, machine: machine,
                     firstStep: 56_666_667, steps: 20_160, period: 30, issuedAt: t(issued), expiresAt: t(issued + 7 * day), refillHash: refill,
                     sealedPIN: pin ? random32() + random32() : nil, tokenFingerprint: "tok-fp", policyFingerprint: "pol-fp")
    }

    static func random32() -> [UInt8] { (0..<32).map { _ in .random(in: 0...255) } }

    @Test("issuing stores the grant and ends the live one of the same user, agent and machine only", arguments: OfflineStoreKind.available)
    func issueReplaces(_ kind: OfflineStoreKind) async throws {
        try await kind.withStores { store, _ in
            let s = try await T.seed(store)
            let a = try await T.register(store, s.acme, "a"), b = try await T.register(store, s.acme, "b")
            let first = Self.grant(s, agent: a, pin: false)
            try await store.issueGrant(first, now: Self.t(20), audit: Fixture.audit("offline.issue"))
            #expect(try await store.grant(id: first.id) == first)
            #expect(try await store.liveGrant(tenantID: s.acme.id, userID: s.alice.id, agentID: a.id, machine: "laptop-1") == first)
            let otherMachine = Self.grant(s, agent: a, machine: "laptop-2", issued: 30)
            let otherAgent = Self.grant(s, agent: b, issued: 40)
            try await store.issueGrant(otherMachine, now: Self.t(30), audit: Fixture.audit("offline.issue"))
            try await store.issueGrant(otherAgent, now: Self.t(40), audit: Fixture.audit("offline.issue"))
            let second = Self.grant(s, agent: a, issued: 50)
            try await store.issueGrant(second, now: Self.t(50), audit: Fixture.audit("offline.issue"))
            #expect(try await store.liveGrant(tenantID: s.acme.id, userID: s.alice.id, agentID: a.id, machine: "laptop-1") == second)
            var replaced = first
            replaced.endedAt = Self.t(50); replaced.endedReason = "replaced"
            #expect(try await store.grant(id: first.id) == replaced)
            #expect(try await store.grant(id: otherMachine.id)?.isLive == true)
            #expect(try await store.grant(id: otherAgent.id)?.isLive == true)
            #expect(try await store.liveGrant(tenantID: s.acme.id, userID: s.bob.id, agentID: a.id, machine: "laptop-1") == nil)
            #expect(try await store.grants(tenantID: s.acme.id, userID: s.alice.id, limit: 10).map(\.id)
                    == [second.id, otherAgent.id, otherMachine.id, first.id], "newest first")
            #expect(try await store.grants(tenantID: s.acme.id, userID: s.alice.id, limit: 2).map(\.id) == [second.id, otherAgent.id])
            #expect(try await store.grants(tenantID: s.acme.id, userID: s.bob.id, limit: 10) == [])
            #expect(try await store.grant(id: UUID()) == nil)
            #expect(try await T.count(store, "offline.issue") == 4)
        }
    }

    @Test("10 issues for one machine race: each succeeds, and exactly one grant is live", arguments: OfflineStoreKind.available)
    func issueRace(_ kind: OfflineStoreKind) async throws {
        try await kind.withStores { store, second in
            let s = try await T.seed(store)
            let a = try await T.register(store, s.acme, "a")
            _ = try await T.results(10, (store, second)) { st, i in
                try await st.issueGrant(Self.grant(s, agent: a, issued: 100 + Int64(i)), now: Self.t(100 + Int64(i)), audit: Fixture.audit("offline.issue"))
            }
            let all = try await store.grants(tenantID: s.acme.id, userID: s.alice.id, limit: 100)
            #expect(all.count == 10)
            #expect(all.filter(\.isLive).count == 1)
            #expect(all.filter { $0.endedReason == "replaced" }.count == 9)
            #expect(try await T.count(store, "offline.issue") == 10)
        }
    }

    @Test("10 refills with one token race: exactly one succeeds", arguments: OfflineStoreKind.available)
    func refillRace(_ kind: OfflineStoreKind) async throws {
        try await kind.withStores { store, second in
            let s = try await T.seed(store)
            let a = try await T.register(store, s.acme, "a")
            let refill = Self.random32()
            let old = Self.grant(s, agent: a, refill: refill)
            try await store.issueGrant(old, now: Self.t(20), audit: Fixture.audit("offline.issue"))
            let news = (0..<10).map { _ in Self.grant(s, agent: a, issued: 1_000) }
            let outcomes = try await T.results(10, (store, second)) { st, i in
                try await st.refillGrant(oldID: old.id, presentedRefillHash: refill, new: news[i], now: Self.t(1_000), audit: Fixture.audit("offline.refill"))
            }
            #expect(outcomes.filter { $0 }.count == 1)
            let live = try #require(try await store.liveGrant(tenantID: s.acme.id, userID: s.alice.id, agentID: a.id, machine: "laptop-1"))
            #expect(news.contains(live))
            #expect(try await store.grant(id: old.id)?.endedReason == "refilled")
            #expect(try await store.grants(tenantID: s.acme.id, userID: s.alice.id, limit: 100).count == 2, "the losers inserted nothing")
            #expect(try await T.count(store, "offline.refill") == 1)
        }
    }

    @Test("a refill with a wrong token, after expiry or of an ended grant writes nothing", arguments: OfflineStoreKind.available)
    func refillRefused(_ kind: OfflineStoreKind) async throws {
        try await kind.withStores { store, _ in
            let s = try await T.seed(store)
            let a = try await T.register(store, s.acme, "a")
            let refill = Self.random32()
            let old = Self.grant(s, agent: a, refill: refill)
            try await store.issueGrant(old, now: Self.t(20), audit: Fixture.audit("offline.issue"))
            let before = try await T.events(store).count
            func refuse(_ hash: [UInt8], at millis: Int64, id: UUID = old.id) async throws {
                let new = Self.grant(s, agent: a, issued: millis)
                #expect(try await store.refillGrant(oldID: id, presentedRefillHash: hash, new: new, now: Self.t(millis),
                                                    audit: Fixture.audit("offline.refill")) == false)
                #expect(try await store.grant(id: new.id) == nil)
            }
            var wrong = refill
            wrong[0] ^= 1
            try await refuse(wrong, at: 1_000)
            try await refuse(refill, at: 20 + 7 * Self.day, id: old.id)
            try await refuse(refill, at: 1_000, id: UUID())
            #expect(try await store.grant(id: old.id) == old, "still live, unchanged")
            #expect(try await store.endGrant(id: old.id, reason: "revoked", now: Self.t(2_000), audit: Fixture.audit("offline.revoke")))
            let ended = try await T.events(store).count
            try await refuse(refill, at: 3_000)
            #expect(try await T.events(store).count == ended && ended == before + 1)
            #expect(try await store.grant(id: old.id)?.endedReason == "revoked")
        }
    }

    @Test("ending grants counts them, audits once when any ended, and only for the user asked", arguments: OfflineStoreKind.available)
    func endGrants(_ kind: OfflineStoreKind) async throws {
        try await kind.withStores { store, _ in
            let s = try await T.seed(store)
            let a = try await T.register(store, s.acme, "a")
            for m in ["m1", "m2", "m3"] {
                try await store.issueGrant(Self.grant(s, agent: a, machine: m), now: Self.t(20), audit: Fixture.audit("offline.issue"))
            }
            var bobs = Self.grant(s, agent: a)
            bobs.userID = s.bob.id
            try await store.issueGrant(bobs, now: Self.t(20), audit: Fixture.audit("offline.issue"))
            #expect(try await store.endGrants(tenantID: s.beta.id, userID: nil, reason: "policy_changed", now: Self.t(30), audit: Fixture.audit("offline.end")) == 0)
            #expect(try await store.endGrants(tenantID: s.acme.id, userID: s.alice.id, reason: "token_changed", now: Self.t(40), audit: Fixture.audit("offline.end")) == 3)
            #expect(try await store.grant(id: bobs.id)?.isLive == true)
            #expect(try await store.endGrants(tenantID: s.acme.id, userID: s.alice.id, reason: "token_changed", now: Self.t(50), audit: Fixture.audit("offline.end")) == 0)
            #expect(try await store.endGrants(tenantID: s.acme.id, userID: nil, reason: "policy_changed", now: Self.t(60), audit: Fixture.audit("offline.end")) == 1)
            #expect(try await store.grant(id: bobs.id)?.endedReason == "policy_changed")
            let alices = try await store.grants(tenantID: s.acme.id, userID: s.alice.id, limit: 10)
            #expect(alices.allSatisfy { $0.endedReason == "token_changed" && $0.endedAt == Self.t(40) })
            #expect(try await T.count(store, "offline.end") == 2)
            #expect(try await store.endGrant(id: bobs.id, reason: "revoked", now: Self.t(70), audit: Fixture.audit("offline.end")) == false)
            #expect(try await T.count(store, "offline.end") == 2)
        }
    }
}
