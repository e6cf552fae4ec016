import Foundation
import LifelineApp
import LifelineCore
@testable import LifelineStore
import SQLKit
import Testing

/// Attacks by someone who can write the database (not the key file): they know the chain's plain serialization, so
/// they can edit an event and recompute every later hash, cut the tail and move the head back, or forge an anchor.
@Suite("Audit chain against a database writer")
struct AuditTamperTests {
    /// Rewrites event `from`'s reason in `chain` and recomputes plain SHA-256 hashes (the unkeyed form, over the chain
    /// id as a keyed event's) for it and every later event of the chain, then moves the chain's head onto the new last
    /// hash: what a database writer can do without the key. `dropKeyIDs`: also clears the key ids (passing the events
    /// off as legacy ones).
    static func recomputeChain(_ store: SQLStore, chain: String, from: Int64, dropKeyIDs: Bool) async throws {
        let events = try await store.auditEvents().filter { $0.chain == chain }
        var previous = from == 1 ? AuditChain.genesis : try #require(events.first { $0.seq == from - 1 }).hash
        for var e in events where e.seq >= from {
            if e.seq == from { e.record.reason = "rewritten by a database writer" }
            let hash = AuditChain.hash(seq: e.seq, record: e.record, previousHash: previous, chain: chain)
            try await store.exec("""
                UPDATE audit_events SET reason = \(bind: e.record.reason), prev_hash = \(bind: previous), hash = \(bind: hash)
                WHERE chain = \(bind: chain) AND seq = \(bind: e.seq)
                """)
            if dropKeyIDs { try await store.exec("UPDATE audit_events SET mac_key_id = NULL WHERE chain = \(bind: chain) AND seq = \(bind: e.seq)") }
            previous = hash
        }
        try await store.exec("UPDATE audit_heads SET hash = \(bind: previous) WHERE chain = \(bind: chain)")
    }

    static let chains = ["global", "tenant:acme", "tenant:beta"]

    @Test("an event rewritten with the rest of the chain recomputed (plain SHA-256) and the head moved is reported",
          arguments: Backend.available)
    func recomputedChain(_ backend: Backend) async throws {
        try await withStore(backend) { store, _ in
            _ = try await AuditChainStoreTests.appendEvents(store)
            try await Self.recomputeChain(store, chain: "tenant:beta", from: 2, dropKeyIDs: false)
            let result = try await store.verifyChain()
            #expect(result.broken?.seq == 2)
            #expect(result.broken?.chain == "tenant:beta")
            #expect(result.broken?.reason.contains("MAC") == true)
        }
    }

    @Test("the same rewrite passed off as legacy unkeyed events is reported (no downgrade after keyed events)",
          arguments: Backend.available)
    func recomputedChainDowngraded(_ backend: Backend) async throws {
        try await withStore(backend) { store, _ in
            _ = try await AuditChainStoreTests.appendEvents(store)
            try await Self.recomputeChain(store, chain: "tenant:beta", from: 2, dropKeyIDs: true)
            let result = try await store.verifyChain()
            #expect(result.broken?.seq == 2)
            #expect(result.broken?.chain == "tenant:beta")
            #expect(result.broken?.reason.contains("unkeyed") == true)
        }
    }

    @Test("cut the tail and move the head back: verify with an anchor reports it", arguments: Backend.available)
    func tailCutAgainstAnchor(_ backend: Backend) async throws {
        try await withStore(backend) { store, _ in
            _ = try await AuditChainStoreTests.appendEvents(store)
            let anchor = try #require(try await store.anchorChain(time: Fixture.t0, after: [:]).anchor)
            // One head per chain.
            #expect(anchor.heads.map(\.chain) == Self.chains)
            #expect(anchor.heads.map(\.seq) == [4, 4, 4])
            #expect(try await store.verifyChain(anchor: anchor, after: [:]).broken == nil)
            let two = try #require(try await store.auditEvents().first { $0.chain == "global" && $0.seq == 2 })
            try await store.exec("DELETE FROM audit_events WHERE chain = 'global' AND seq > 2")
            try await store.exec("UPDATE audit_heads SET seq = 2, hash = \(bind: two.hash) WHERE chain = 'global'")
            // Without the anchor the cut is invisible: the shorter chain is a valid one.
            #expect(try await store.verifyChain().broken == nil)
            let result = try await store.verifyChain(anchor: anchor, after: [:])
            #expect(result.broken?.seq == 4)
            #expect(result.broken?.chain == "global")
            #expect(result.broken?.reason.contains("tail cut") == true)
        }
    }

    @Test("the whole chain rewritten as legacy events passes alone, but not against an anchor taken before",
          arguments: Backend.available)
    func wholeChainRewrittenAgainstAnchor(_ backend: Backend) async throws {
        try await withStore(backend) { store, _ in
            _ = try await AuditChainStoreTests.appendEvents(store)
            let anchor = try #require(try await store.anchorChain(time: Fixture.t0, after: [:]).anchor)
            for chain in Self.chains { try await Self.recomputeChain(store, chain: chain, from: 1, dropKeyIDs: true) }
            // The documented limit: legacy events are plain SHA-256, so only an anchor protects them.
            let alone = try await store.verifyChain()
            #expect(alone.broken == nil)
            #expect(alone.legacy == AuditChainStoreTests.n)
            let result = try await store.verifyChain(anchor: anchor, after: [:])
            #expect(result.broken?.seq == 4)
            #expect(result.broken?.chain == "global")
            #expect(result.broken?.reason.contains("changed since") == true)
        }
    }

    @Test("a forged or altered anchor is refused", arguments: Backend.available)
    func forgedAnchor(_ backend: Backend) async throws {
        try await withStore(backend) { store, _ in
            _ = try await AuditChainStoreTests.appendEvents(store)
            let anchor = try #require(try await store.anchorChain(time: Fixture.t0, after: [:]).anchor)
            // Moved back to match a cut tail, keeping the MAC.
            var moved = anchor
            moved.heads[0].seq = 2
            // One chain left out (to hide its deletion), keeping the MAC.
            var dropped = anchor
            dropped.heads.removeLast()
            // A MAC made with a key the server does not have.
            let otherRing = try KeyRing(currentID: anchor.keyID, keys: [anchor.keyID: Array(repeating: 7, count: 32)])
            let foreign = AuditAnchor.make(heads: try await store.verifyChain().heads, time: Fixture.t0, ring: otherRing)
            for forged in [moved, dropped, foreign] {
                await #expect(throws: LifelineError.self) { _ = try await store.verifyChain(anchor: forged, after: [:]) }
            }
            #expect(try AuditAnchor.parse(Data(anchor.json().utf8)) == anchor)
            #expect(try await store.verifyChain(anchor: try AuditAnchor.parse(Data(anchor.json().utf8)), after: [:]).broken == nil)
        }
    }

    @Test("after keys rotate, events of the old and the new key verify; each names its key", arguments: Backend.available)
    func rotatedKeys(_ backend: Backend) async throws {
        try await withStore(backend) { store, db in
            _ = try await AuditChainStoreTests.appendEvents(store, count: 4)
            let old = try await db.vault.ring().currentID
            let new = try db.vault.addKey(random: SystemRandom())
            _ = try await db.vault.refreshed()
            _ = try await AuditChainStoreTests.appendEvents(store, count: 4)
            // Another process with its own (fresh) view of the key file.
            try await db.withSecondStore { second in try await second.append(Fixture.audit("second")) }
            let events = try await store.auditEvents()
            #expect(events.filter { $0.macKeyID == old }.count == 4)
            #expect(events.filter { $0.macKeyID == new }.count == 5)
            // In each chain the old key's events come first.
            for chain in Set(events.map(\.chain)) {
                let ids = events.filter { $0.chain == chain }.map(\.macKeyID)
                #expect(ids == ids.filter { $0 == old } + ids.filter { $0 != old })
            }
            let result = try await store.verifyChain()
            #expect(result.broken == nil)
            #expect(result.count == 9)
            #expect(result.legacy == 0)
        }
    }

    @Test("legacy unkeyed events followed by keyed ones verify; an unkeyed event after keyed ones does not",
          arguments: Backend.available)
    func legacyThenKeyed(_ backend: Backend) async throws {
        try await withStore(backend) { store, db in
            // A server from before the keyed chain wrote these.
            try await db.withSecondStore(keyed: false) { legacy in _ = try await AuditChainStoreTests.appendEvents(legacy, count: 5) }
            _ = try await AuditChainStoreTests.appendEvents(store, count: 5)
            let mixed = try await store.verifyChain()
            #expect(mixed.broken == nil)
            #expect(mixed.count == 10)
            #expect(mixed.legacy == 5)
            // An unkeyed append after the keyed events: a downgrade.
            try await db.withSecondStore(keyed: false) { legacy in try await legacy.append(Fixture.audit("downgrade")) }
            let result = try await store.verifyChain()
            // acme's fifth: two unkeyed, two keyed, then this one.
            #expect(result.broken?.seq == 5)
            #expect(result.broken?.chain == "tenant:acme")
            #expect(result.broken?.reason.contains("unkeyed") == true)
        }
    }

    @Test("verifying after an already verified event checks only the newer ones, with the same rules", arguments: Backend.available)
    func incremental(_ backend: Backend) async throws {
        try await withStore(backend) { store, _ in
            _ = try await AuditChainStoreTests.appendEvents(store, count: 4)
            // beta 1, acme 1, global 1, acme 2.
            let first = try await store.anchorChain(time: Fixture.t0, after: [:])
            let start = first.verification.heads
            #expect(start.mapValues(\.seq) == ["tenant:beta": 1, "tenant:acme": 2, "global": 1])
            // beta 2, acme 3, global 2.
            _ = try await AuditChainStoreTests.appendEvents(store, count: 3)
            let next = try await store.anchorChain(time: Fixture.t0, after: start)
            #expect(next.verification.count == 3)
            #expect(next.anchor?.heads.map(\.seq) == [2, 3, 2])
            try await store.exec("UPDATE audit_events SET reason = 'x' WHERE chain = 'tenant:acme' AND seq = 3")
            let broken = try await store.verifyChain(anchor: nil, after: start)
            #expect(broken.broken?.seq == 3)
            #expect(broken.broken?.chain == "tenant:acme")
            #expect(try await store.anchorChain(time: Fixture.t0, after: start).anchor == nil)
        }
    }
}
