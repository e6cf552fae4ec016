import Foundation
import LifelineCore
@testable import LifelineStore
import Testing

@Suite("Store contract: tokens")
struct TokenStoreTests {
    @Test("tokens read back with every field and their sealed secret", arguments: Backend.available)
    func roundTrip(_ backend: Backend) async throws {
        try await withStore(backend) { store, _ in
            let (tenant, user) = try await Fixture.seedUser(store)
            let totp = Fixture.token(user, type: .totp, created: 3)
            var hotpValue = Fixture.token(user, type: .hotp, counter: 5, lastUsed: 4, created: 4)
            hotpValue.token.drift = -2
            hotpValue.token.failCount = 3
            hotpValue.token.maxFail = 7
            hotpValue.token.state = .disabled
            let hotp = hotpValue
            try await store.insertToken(totp, audit: Fixture.audit("token.enroll"))
            try await store.insertToken(hotp, audit: Fixture.audit("token.enroll"))

            let readTOTP = try #require(try await store.storedToken(id: totp.token.id, tenantID: tenant.id))
            #expect(readTOTP.token == totp.token)
            #expect(readTOTP.token.period == 60)
            #expect(readTOTP.token.lastUsed == nil)
            #expect(readTOTP.secret == totp.secret)
            #expect(readTOTP.secret.text == totp.secret.text)
            #expect(readTOTP.secret.text.hasPrefix("v1:k0001:"))

            let readHOTP = try #require(try await store.storedToken(id: hotp.token.id, tenantID: tenant.id))
            #expect(readHOTP.token == hotp.token)
            #expect(readHOTP.token.period == nil)
            #expect(readHOTP.token.lastUsed == 4)
            #expect(readHOTP.secret == hotp.secret)

            #expect(try await store.storedToken(id: totp.token.id, tenantID: UUID()) == nil)
            #expect(try await store.storedTokens(userID: user.id).map(\.token) == [totp.token, hotp.token])
            #expect(try await store.tokens(tenantID: tenant.id, userID: nil) == [totp.token, hotp.token])
            #expect(try await store.tokens(tenantID: tenant.id, userID: user.id) == [totp.token, hotp.token])
            #expect(try await store.tokens(tenantID: tenant.id, userID: UUID()) == [])
            #expect(try await store.tokens(tenantID: UUID(), userID: nil) == [])
            let secrets = try await store.sealedSecrets()
            #expect(Dictionary(uniqueKeysWithValues: secrets.map { ($0.id, $0.secret) }) == [totp.token.id: totp.secret, hotp.token.id: hotp.secret])
            #expect(try await store.auditCount() == 4)
        }
    }

    @Test("consume accepts only steps above last_used, sets last_used and drift, clears failures", arguments: Backend.available)
    func consumeTOTP(_ backend: Backend) async throws {
        try await withStore(backend) { store, _ in
            let (tenant, _, stored) = try await Fixture.seedToken(store, type: .totp)
            let id = stored.token.id
            try await store.recordFailure(tokenIDs: [id], audit: Fixture.audit("validate", outcome: "reject"))
            try await store.recordFailure(tokenIDs: [id], audit: Fixture.audit("validate", outcome: "reject"))
            #expect(try await store.storedToken(id: id, tenantID: tenant.id)?.token.failCount == 2)
            let before = try await store.auditCount()

            #expect(try await store.consume(tokenID: id, step: 100, drift: 1, audit: Fixture.audit("validate", outcome: "accept")))
            var t = try #require(try await store.storedToken(id: id, tenantID: tenant.id)).token
            #expect(t.lastUsed == 100)
            #expect(t.drift == 1)
            #expect(t.failCount == 0)
            #expect(t.counter == 0)
            #expect(t.state == .active)
            #expect(try await store.auditCount() == before + 1)

            // The same step again, and an older one, are refused and audit nothing.
            #expect(try await store.consume(tokenID: id, step: 100, drift: 5, audit: Fixture.audit("validate", outcome: "accept")) == false)
            #expect(try await store.consume(tokenID: id, step: 99, drift: 5, audit: Fixture.audit("validate", outcome: "accept")) == false)
            t = try #require(try await store.storedToken(id: id, tenantID: tenant.id)).token
            #expect(t.lastUsed == 100)
            #expect(t.drift == 1)
            #expect(try await store.auditCount() == before + 1)

            #expect(try await store.consume(tokenID: id, step: 101, drift: -1, audit: Fixture.audit("validate", outcome: "accept")))
            t = try #require(try await store.storedToken(id: id, tenantID: tenant.id)).token
            #expect(t.lastUsed == 101)
            #expect(t.drift == -1)
            #expect(try await store.auditCount() == before + 2)
            #expect(try await store.consume(tokenID: UUID(), step: 500, drift: 0, audit: Fixture.audit()) == false)
            #expect(try await store.auditCount() == before + 2)
        }
    }

    @Test("consume of an HOTP token moves the counter past the used one", arguments: Backend.available)
    func consumeHOTP(_ backend: Backend) async throws {
        try await withStore(backend) { store, _ in
            let (tenant, _, stored) = try await Fixture.seedToken(store, type: .hotp)
            let id = stored.token.id
            #expect(try await store.consume(tokenID: id, step: 7, drift: 0, audit: Fixture.audit("validate", outcome: "accept")))
            var t = try #require(try await store.storedToken(id: id, tenantID: tenant.id)).token
            #expect(t.lastUsed == 7)
            #expect(t.counter == 8)
            #expect(try await store.consume(tokenID: id, step: 7, drift: 0, audit: Fixture.audit()) == false)
            #expect(try await store.consume(tokenID: id, step: 8, drift: 0, audit: Fixture.audit()))
            t = try #require(try await store.storedToken(id: id, tenantID: tenant.id)).token
            #expect(t.lastUsed == 8)
            #expect(t.counter == 9)
        }
    }

    @Test("consume refuses a disabled or locked token", arguments: Backend.available)
    func consumeOnlyActive(_ backend: Backend) async throws {
        try await withStore(backend) { store, _ in
            let (tenant, _, stored) = try await Fixture.seedToken(store, type: .totp, maxFail: 1)
            let id = stored.token.id
            _ = try await store.setState(tokenID: id, tenantID: tenant.id, state: .disabled, resetFailCount: false, audit: Fixture.audit())
            let before = try await store.auditCount()
            #expect(try await store.consume(tokenID: id, step: 10, drift: 0, audit: Fixture.audit()) == false)
            #expect(try await store.storedToken(id: id, tenantID: tenant.id)?.token.lastUsed == nil)

            _ = try await store.setState(tokenID: id, tenantID: tenant.id, state: .active, resetFailCount: true, audit: Fixture.audit())
            try await store.recordFailure(tokenIDs: [id], audit: Fixture.audit(outcome: "reject"))
            #expect(try await store.storedToken(id: id, tenantID: tenant.id)?.token.state == .locked)
            #expect(try await store.consume(tokenID: id, step: 10, drift: 0, audit: Fixture.audit()) == false)
            let t = try #require(try await store.storedToken(id: id, tenantID: tenant.id)).token
            #expect(t.lastUsed == nil)
            #expect(t.state == .locked)
            #expect(t.failCount == 1)
            #expect(try await store.auditCount() == before + 2)
        }
    }

    @Test("recordFailure counts per active token, locks at max_fail and audits once per call", arguments: Backend.available)
    func recordFailure(_ backend: Backend) async throws {
        try await withStore(backend) { store, _ in
            let (tenant, user, a) = try await Fixture.seedToken(store, type: .totp, maxFail: 3)
            let b = Fixture.token(user, type: .hotp, maxFail: 10, created: 9)
            try await store.insertToken(b, audit: Fixture.audit("token.enroll"))
            let before = try await store.auditCount()
            func state(_ s: StoredToken) async throws -> Token { try #require(try await store.storedToken(id: s.token.id, tenantID: tenant.id)).token }

            try await store.recordFailure(tokenIDs: [a.token.id, b.token.id], audit: Fixture.audit("validate", outcome: "reject"))
            try await store.recordFailure(tokenIDs: [a.token.id, b.token.id], audit: Fixture.audit("validate", outcome: "reject"))
            #expect(try await state(a).failCount == 2)
            #expect(try await state(a).state == .active)
            #expect(try await state(b).failCount == 2)
            try await store.recordFailure(tokenIDs: [a.token.id], audit: Fixture.audit("validate", outcome: "reject"))
            #expect(try await state(a).failCount == 3)
            #expect(try await state(a).state == .locked)
            #expect(try await state(b).failCount == 2)
            // A locked token no longer counts.
            try await store.recordFailure(tokenIDs: [a.token.id, b.token.id], audit: Fixture.audit("validate", outcome: "reject"))
            #expect(try await state(a).failCount == 3)
            #expect(try await state(a).state == .locked)
            #expect(try await state(b).failCount == 3)
            #expect(try await state(b).state == .active)
            #expect(try await store.auditCount() == before + 4)
        }
    }

    @Test("a failure and a success are stored only on the fail count the check read (one guess per stored state); throttled_until round-trips", arguments: Backend.available)
    func compareAndSetOnTheFailCount(_ backend: Backend) async throws {
        try await withStore(backend) { store, _ in
            let (tenant, _, stored) = try await Fixture.seedToken(store, type: .totp, maxFail: 100)
            let id = stored.token.id
            let until = Fixture.time(60_000)
            func token() async throws -> Token { try #require(try await store.storedToken(id: id, tenantID: tenant.id)).token }
            try await store.recordFailure([TokenFailure(tokenID: id, seenFailCount: 0, throttledUntil: until, lock: false)], audit: Fixture.audit(outcome: "reject"))
            #expect(try await token().failCount == 1)
            #expect(try await token().throttledUntil == until)
            // A concurrent check that read the same state: its failure is not stored a second time...
            try await store.recordFailure([TokenFailure(tokenID: id, seenFailCount: 0, throttledUntil: nil, lock: true)], audit: Fixture.audit(outcome: "reject"))
            #expect(try await token().failCount == 1)
            #expect(try await token().state == .active)
            // ...nor its success, nor a success while throttled.
            #expect(try await store.consume(tokenID: id, step: 10, drift: 0, seenFailCount: 0, now: Fixture.time(70_000), audit: Fixture.audit()) == false)
            #expect(try await store.consume(tokenID: id, step: 10, drift: 0, seenFailCount: 1, now: Fixture.time(59_000), audit: Fixture.audit()) == false)
            // After the throttle, on the state read: accepted, and the count and the throttle are cleared.
            #expect(try await store.consume(tokenID: id, step: 10, drift: 0, seenFailCount: 1, now: Fixture.time(60_000), audit: Fixture.audit()))
            #expect(try await token().failCount == 0)
            #expect(try await token().throttledUntil == nil)
        }
    }

    @Test("unlockTokens clears lock, throttle and failures of the user's tokens (not disabled ones), audits, revokes the emergency code only after a lock", arguments: Backend.available)
    func unlockTokens(_ backend: Backend) async throws {
        try await withStore(backend) { store, _ in
            let (tenant, user, a) = try await Fixture.seedToken(store, type: .totp, maxFail: 1)
            let b = Fixture.token(user, type: .hotp, maxFail: 10, created: 9)
            try await store.insertToken(b, audit: Fixture.audit("token.enroll"))
            func token(_ s: StoredToken) async throws -> Token { try #require(try await store.storedToken(id: s.token.id, tenantID: tenant.id)).token }
            #expect(try await store.unlockTokens(userID: user.id, audit: Fixture.audit("token.unlock")) == 0)
            try await store.recordFailure([TokenFailure(tokenID: a.token.id, seenFailCount: 0, throttledUntil: Fixture.time(5_000), lock: true)],
                                          audit: Fixture.audit(outcome: "reject"))
            #expect(try await token(a).state == .locked)
            _ = try #require(try await store.setState(tokenID: b.token.id, tenantID: tenant.id, state: .disabled, resetFailCount: false, audit: Fixture.audit("token.disable")))
            let before = try await store.auditCount()
            #expect(try await store.unlockTokens(userID: user.id, audit: Fixture.audit("token.unlock")) == 1)
            let t = try await token(a)
            #expect(t.state == .active && t.failCount == 0 && t.throttledUntil == nil)
            #expect(try await token(b).state == .disabled)
            #expect(try await store.auditCount() == before + 1)
            #expect(try await store.unlockTokens(userID: user.id, audit: Fixture.audit("token.unlock")) == 0)
            #expect(try await store.verifyChain().broken == nil)
        }
    }

    @Test("setState changes the state, optionally resets failures, and is scoped to the tenant", arguments: Backend.available)
    func setState(_ backend: Backend) async throws {
        try await withStore(backend) { store, _ in
            let (tenant, _, stored) = try await Fixture.seedToken(store, type: .totp, maxFail: 2)
            let id = stored.token.id
            try await store.recordFailure(tokenIDs: [id], audit: Fixture.audit(outcome: "reject"))
            let before = try await store.auditCount()

            let disabled = try #require(try await store.setState(tokenID: id, tenantID: tenant.id, state: .disabled, resetFailCount: false, audit: Fixture.audit("token.disable")))
            #expect(disabled.state == .disabled)
            #expect(disabled.failCount == 1)
            #expect(disabled.id == id)
            #expect(disabled.label == stored.token.label)
            #expect(try await store.storedToken(id: id, tenantID: tenant.id)?.token == disabled)

            #expect(try await store.setState(tokenID: id, tenantID: UUID(), state: .active, resetFailCount: true, audit: Fixture.audit()) == nil)
            #expect(try await store.setState(tokenID: UUID(), tenantID: tenant.id, state: .active, resetFailCount: true, audit: Fixture.audit()) == nil)
            #expect(try await store.auditCount() == before + 1)
            #expect(try await store.storedToken(id: id, tenantID: tenant.id)?.token.state == .disabled)

            let enabled = try #require(try await store.setState(tokenID: id, tenantID: tenant.id, state: .active, resetFailCount: true, audit: Fixture.audit("token.enable")))
            #expect(enabled.state == .active)
            #expect(enabled.failCount == 0)
            #expect(try await store.auditCount() == before + 2)
            let last = try await store.recentEvents(tenant: nil, limit: 1).first
            #expect(last?.record.event == "token.enable")
        }
    }

    @Test("resync stores step and drift whatever the state, only forward", arguments: Backend.available)
    func resync(_ backend: Backend) async throws {
        try await withStore(backend) { store, _ in
            let (tenant, user, stored) = try await Fixture.seedToken(store, type: .totp, maxFail: 1)
            let id = stored.token.id
            #expect(try await store.consume(tokenID: id, step: 10, drift: 0, audit: Fixture.audit()))
            try await store.recordFailure(tokenIDs: [id], audit: Fixture.audit(outcome: "reject"))
            let before = try await store.auditCount()

            #expect(try await store.resync(tokenID: id, step: 20, drift: 3, audit: Fixture.audit("token.resync")))
            var t = try #require(try await store.storedToken(id: id, tenantID: tenant.id)).token
            #expect(t.lastUsed == 20)
            #expect(t.drift == 3)
            #expect(t.state == .locked)
            #expect(t.failCount == 1)
            #expect(t.counter == 0)
            #expect(try await store.resync(tokenID: id, step: 20, drift: 9, audit: Fixture.audit("token.resync")) == false)
            #expect(try await store.resync(tokenID: id, step: 15, drift: 9, audit: Fixture.audit("token.resync")) == false)
            t = try #require(try await store.storedToken(id: id, tenantID: tenant.id)).token
            #expect(t.lastUsed == 20)
            #expect(t.drift == 3)
            #expect(try await store.auditCount() == before + 1)

            let hotp = Fixture.token(user, type: .hotp, counter: 2)
            try await store.insertToken(hotp, audit: Fixture.audit("token.enroll"))
            #expect(try await store.resync(tokenID: hotp.token.id, step: 40, drift: 0, audit: Fixture.audit("token.resync")))
            let h = try #require(try await store.storedToken(id: hotp.token.id, tenantID: tenant.id)).token
            #expect(h.counter == 41)
            #expect(h.lastUsed == 40)
        }
    }

    @Test("deleteToken removes the token of its tenant only", arguments: Backend.available)
    func deleteToken(_ backend: Backend) async throws {
        try await withStore(backend) { store, _ in
            let (tenant, user, stored) = try await Fixture.seedToken(store)
            let keep = Fixture.token(user, type: .hotp, created: 8)
            try await store.insertToken(keep, audit: Fixture.audit("token.enroll"))
            let before = try await store.auditCount()
            #expect(try await store.deleteToken(id: stored.token.id, tenantID: UUID(), audit: Fixture.audit("token.delete")) == false)
            #expect(try await store.storedToken(id: stored.token.id, tenantID: tenant.id) != nil)
            #expect(try await store.auditCount() == before)
            #expect(try await store.deleteToken(id: stored.token.id, tenantID: tenant.id, audit: Fixture.audit("token.delete")))
            #expect(try await store.storedToken(id: stored.token.id, tenantID: tenant.id) == nil)
            #expect(try await store.deleteToken(id: stored.token.id, tenantID: tenant.id, audit: Fixture.audit("token.delete")) == false)
            #expect(try await store.tokens(tenantID: tenant.id, userID: nil) == [keep.token])
            #expect(try await store.auditCount() == before + 1)
        }
    }

    @Test("reseal is a compare-and-set on the sealed secret", arguments: Backend.available)
    func reseal(_ backend: Backend) async throws {
        try await withStore(backend) { store, _ in
            let (tenant, _, stored) = try await Fixture.seedToken(store)
            let id = stored.token.id
            let wrongOld = Fixture.sealed()
            let new = Fixture.sealed("k0002")
            #expect(try await store.reseal(tokenID: id, old: wrongOld, new: new) == false)
            #expect(try await store.storedToken(id: id, tenantID: tenant.id)?.secret == stored.secret)
            #expect(try await store.reseal(tokenID: id, old: stored.secret, new: new))
            #expect(try await store.storedToken(id: id, tenantID: tenant.id)?.secret == new)
            // The old ciphertext is stale now: a second rotation that read it must not overwrite.
            #expect(try await store.reseal(tokenID: id, old: stored.secret, new: Fixture.sealed("k0003")) == false)
            #expect(try await store.sealedSecrets().map(\.secret) == [new])
            #expect(try await store.reseal(tokenID: UUID(), old: new, new: stored.secret) == false)
        }
    }
}
