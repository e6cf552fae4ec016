import Foundation
import LifelineCore
@testable import LifelineStore
import SQLKit
import Testing

/// The offline store contract's emergency access tokencodes (see `OfflineStoreTests` for the set-up), and migration 22
/// on a database at 21.
@Suite("Store contract: offline emergency access tokencodes")
struct OfflineEmergencyCodeStoreTests {
    typealias T = OfflineStoreTests
    static let t = Fixture.time
    static let limit = 5

    static func codes(_ s: T.Seeded, onlineUse: Bool = false) -> OfflineEmergencyCodes {
        OfflineEmergencyCodes(tokenID: s.token.token.id, tenantID: s.acme.id, userID: s.alice.id, tokencode: Fixture.sealed(),
                              passcode: Fixture.sealed(), createdAt: t(10), expiresAt: t(30 * 86_400_000), onlineUse: onlineUse)
    }

    @Test("codes read back as stored; a put is a reset; online use, downloads and failures as the contract says",
          arguments: OfflineStoreKind.available)
    func lifecycle(_ kind: OfflineStoreKind) async throws {
        try await kind.withStores { store, _ in
            let s = try await T.seed(store)
            let id = s.token.token.id
            #expect(try await store.emergencyCodes(tokenID: id) == nil)
            let before = try await T.events(store).count
            #expect(try await store.setEmergencyOnlineUse(tokenID: id, on: true, audit: Fixture.audit("offline_code.online")) == false,
                    "no codes: nothing to switch")
            #expect(try await store.countEmergencyFailure(tokenID: id, limit: Self.limit, audit: Fixture.audit("offline_code.failure")) == nil)
            #expect(try await T.events(store).count == before)

            let first = Self.codes(s)
            try await store.putEmergencyCodes(first, audit: Fixture.audit("offline_code.reset"))
            #expect(try await store.emergencyCodes(tokenID: id) == first)
            try await store.markEmergencyDownloaded(tokenID: id, at: Self.t(100))
            #expect(try await store.emergencyCodes(tokenID: id)?.downloadedAt == Self.t(100))
            #expect(try await store.countEmergencyFailure(tokenID: id, limit: Self.limit, audit: Fixture.audit("offline_code.failure")) == nil,
                    "online use off: not counted")
            #expect(try await store.setEmergencyOnlineUse(tokenID: id, on: true, audit: Fixture.audit("offline_code.online")))
            #expect(try await store.countEmergencyFailure(tokenID: id, limit: Self.limit, audit: Fixture.audit("offline_code.failure")) == 1)
            #expect(try await store.countEmergencyFailure(tokenID: id, limit: Self.limit, audit: Fixture.audit("offline_code.failure")) == 2)
            try await store.clearEmergencyFailures(tokenID: id)
            #expect(try await store.emergencyCodes(tokenID: id)?.failures == 0)
            _ = try await store.countEmergencyFailure(tokenID: id, limit: Self.limit, audit: Fixture.audit("offline_code.failure"))
            #expect(try await store.setEmergencyOnlineUse(tokenID: id, on: false, audit: Fixture.audit("offline_code.online")))
            #expect(try await store.emergencyCodes(tokenID: id)?.failures == 1, "switched off: the count stays")
            #expect(try await store.setEmergencyOnlineUse(tokenID: id, on: true, audit: Fixture.audit("offline_code.online")))
            #expect(try await store.emergencyCodes(tokenID: id)?.failures == 0, "switched on: a fresh count")

            var reset = Self.codes(s, onlineUse: true)
            reset.downloadedAt = Self.t(5); reset.failures = 3
            try await store.putEmergencyCodes(reset, audit: Fixture.audit("offline_code.reset"))
            var expected = reset
            expected.downloadedAt = nil; expected.failures = 0
            #expect(try await store.emergencyCodes(tokenID: id) == expected, "a reset: not downloaded, no failures")
            #expect(try await T.count(store, "offline_code.reset") == 2)
            #expect(try await T.count(store, "offline_code.online") == 3)
            #expect(try await T.count(store, "offline_code.failure") == 3)
            #expect(try await T.events(store).count == before + 8, "markDownloaded and clearFailures write no audit")

            #expect(try await store.deleteToken(id: id, tenantID: s.acme.id, audit: Fixture.audit("token.delete")))
            #expect(try await store.emergencyCodes(tokenID: id) == nil, "they go with their token")
        }
    }

    @Test("10 wrong attempts race at a limit of 5: exactly 5 are counted and online use goes off once", arguments: OfflineStoreKind.available)
    func failureRace(_ kind: OfflineStoreKind) async throws {
        try await kind.withStores { store, second in
            let s = try await T.seed(store)
            let id = s.token.token.id
            try await store.putEmergencyCodes(Self.codes(s, onlineUse: true), audit: Fixture.audit("offline_code.reset"))
            let counts = try await T.results(10, (store, second)) { st, _ in
                try await st.countEmergencyFailure(tokenID: id, limit: Self.limit, audit: Fixture.audit("offline_code.failure"))
            }
            #expect(counts.compactMap { $0 }.sorted() == [1, 2, 3, 4, 5])
            let after = try #require(try await store.emergencyCodes(tokenID: id))
            #expect(after.failures == Self.limit && after.onlineUse == false)
            #expect(try await T.count(store, "offline_code.failure") == Self.limit)
        }
    }

    @Test("codes and grant secrets are stored sealed / as their hash, base64", arguments: Backend.available)
    func atRest(_ backend: Backend) async throws {
        try await withStore(backend) { store, _ in
            let s = try await T.seed(store)
            let a = try await T.register(store, s.acme, "a")
            let codes = Self.codes(s)
            try await store.putEmergencyCodes(codes, audit: Fixture.audit("offline_code.reset"))
            let g = OfflineGrantStoreTests.grant(s, agent: a)
            try await store.issueGrant(g, now: Self.t(20), audit: Fixture.audit("offline.issue"))
            func text(_ sql: SQLQueryString, _ column: String) async throws -> String? {
                try await store.backend.read { db in try await db.raw(sql).first()?.decode(column: column, as: String.self) }
            }
            #expect(try await text("SELECT tokencode FROM offline_emergency_codes", "tokencode") == codes.tokencode.text)
            #expect(try await text("SELECT passcode FROM offline_emergency_codes", "passcode") == codes.passcode.text)
            #expect(try await text("SELECT refill_hash FROM offline_grants", "refill_hash") == Data(g.refillHash).base64EncodedString())
            #expect(try await text("SELECT sealed_pin FROM offline_grants", "sealed_pin") == g.sealedPIN.map { Data($0).base64EncodedString() })
        }
    }

    @Test("migration 22 applies on a database at 21 that has data", arguments: Backend.available)
    func migrationFrom21(_ backend: Backend) async throws {
        try await withStore(backend, migrate: false) { store, _ in
            #expect(try await store.migrate(through: 21).last == 21)
            let (tenant, user) = try await Fixture.seedUser(store)
            let applied = try await store.migrate()
            #expect(applied.first == 22)
            #expect(applied == Migrations.all.map(\.version).filter { $0 > 21 })
            #expect(try await store.user(id: user.id) == user)
            try await store.setGroups(tenantID: tenant.id, userID: user.id, groups: ["laptops"], audit: Fixture.audit("user.groups"))
            #expect(try await store.groups(userID: user.id) == ["laptops"])
            #expect(try await store.agents(tenantID: tenant.id) == [])
        }
    }
}
