import Foundation
import LifelineCore
@testable import LifelineStore
import Testing

/// The token PIN columns of migration 20 (issue 16): the verifier round-trips, wrong PINs count up to the limit and no
/// further (also in a burst), a blocked PIN makes `consume` refuse, and a reset or a new PIN unblocks.
@Suite("Store contract: token PINs")
struct TokenPINStoreTests {
    static let verifier = TokenPINVerifier(keyID: "k0001", hash: String(repeating: "ab", count: 32))

    func pinState(_ store: SQLStore, _ s: StoredToken, _ tenant: Tenant) async throws -> StoredToken {
        try #require(try await store.storedToken(id: s.token.id, tenantID: tenant.id))
    }

    @Test("a PIN verifier set at enrolment or later reads back; clearing it removes it; both audited", arguments: Backend.available)
    func roundTrip(_ backend: Backend) async throws {
        try await withStore(backend) { store, _ in
            let (tenant, user) = try await Fixture.seedUser(store)
            let withPIN = StoredToken(token: Fixture.token(user).token, secret: Fixture.sealed(), pin: Self.verifier)
            try await store.insertToken(withPIN, audit: Fixture.audit("token.enroll"))
            var read = try await pinState(store, withPIN, tenant)
            #expect(read.pin == Self.verifier && read.token.hasPIN && read.token.pinFailCount == 0)
            #expect(read.token == withPIN.token)
            // Read the way a validation reads (the joined query).
            let joined = try #require(try await store.userAndTokens(tenantID: tenant.id, username: user.username))
            #expect(joined.tokens.first?.pin == Self.verifier && joined.tokens.first?.token.hasPIN == true)

            let before = try await store.auditCount()
            let cleared = try await store.setPIN(tokenID: withPIN.token.id, tenantID: tenant.id, pin: nil, audit: Fixture.audit("token.pin.clear"))
            #expect(cleared?.hasPIN == false)
            read = try await pinState(store, withPIN, tenant)
            #expect(read.pin == nil && !read.token.hasPIN)
            let other = TokenPINVerifier(keyID: "k0001", hash: String(repeating: "cd", count: 32))
            #expect(try await store.setPIN(tokenID: withPIN.token.id, tenantID: tenant.id, pin: other, audit: Fixture.audit("token.pin.set"))?.hasPIN == true)
            #expect(try await pinState(store, withPIN, tenant).pin == other)
            #expect(try await store.setPIN(tokenID: withPIN.token.id, tenantID: UUID(), pin: nil, audit: Fixture.audit("token.pin.clear")) == nil)
            #expect(try await store.auditCount() == before + 2)
        }
    }

    @Test("wrong PINs count on the PIN only, up to 3; a blocked PIN refuses consume; reset and a new PIN unblock", arguments: Backend.available)
    func countAndBlock(_ backend: Backend) async throws {
        try await withStore(backend) { store, _ in
            let (tenant, user) = try await Fixture.seedUser(store)
            let s = StoredToken(token: Fixture.token(user).token, secret: Fixture.sealed(), pin: Self.verifier)
            try await store.insertToken(s, audit: Fixture.audit("token.enroll"))
            for n in 1...5 {
                try await store.recordFailure([.wrongPIN(of: s.token)], audit: Fixture.audit("validate", outcome: "reject"))
                let t = try await pinState(store, s, tenant).token
                #expect(t.pinFailCount == min(n, TokenPIN.maxFailures), "capped at the limit")
                #expect(t.failCount == 0 && t.state == .active, "the OTP's counter and state stay")
            }
            #expect(try await pinState(store, s, tenant).token.isPINBlocked)
            #expect(try await !store.consume(tokenID: s.token.id, step: 10, drift: 0, audit: Fixture.audit("validate", outcome: "accept")),
                    "a blocked PIN accepts nothing")
            _ = try await store.setState(tokenID: s.token.id, tenantID: tenant.id, state: .active, resetFailCount: true, audit: Fixture.audit("token.reset"))
            #expect(try await pinState(store, s, tenant).token.pinFailCount == 0)
            try await store.recordFailure([.wrongPIN(of: s.token)], audit: Fixture.audit("validate", outcome: "reject"))
            #expect(try await store.consume(tokenID: s.token.id, step: 10, drift: 0, audit: Fixture.audit("validate", outcome: "accept")))
            #expect(try await pinState(store, s, tenant).token.pinFailCount == 0, "an accept clears the PIN's counter")
            for _ in 0..<3 { try await store.recordFailure([.wrongPIN(of: s.token)], audit: Fixture.audit("validate", outcome: "reject")) }
            _ = try await store.setPIN(tokenID: s.token.id, tenantID: tenant.id, pin: Self.verifier, audit: Fixture.audit("token.pin.set"))
            #expect(try await !pinState(store, s, tenant).token.isPINBlocked)
            // A token without a PIN counts no wrong PIN.
            let plain = Fixture.token(user, created: 5)
            try await store.insertToken(plain, audit: Fixture.audit("token.enroll"))
            try await store.recordFailure([.wrongPIN(of: plain.token)], audit: Fixture.audit("validate", outcome: "reject"))
            #expect(try await pinState(store, plain, tenant).token.pinFailCount == 0)
        }
    }

    @Test("30 concurrent wrong PINs count exactly 3 (a limit of 3 allows 3), and none of the racing accepts gets through after", arguments: Backend.available)
    func burst(_ backend: Backend) async throws {
        try await withStore(backend) { store, _ in
            let (tenant, user) = try await Fixture.seedUser(store)
            let s = StoredToken(token: Fixture.token(user).token, secret: Fixture.sealed(), pin: Self.verifier)
            try await store.insertToken(s, audit: Fixture.audit("token.enroll"))
            try await withThrowingTaskGroup(of: Void.self) { group in
                for _ in 0..<30 {
                    group.addTask { try await store.recordFailure([.wrongPIN(of: s.token)], audit: Fixture.audit("validate", outcome: "reject")) }
                }
                try await group.waitForAll()
            }
            let t = try await pinState(store, s, tenant).token
            #expect(t.pinFailCount == TokenPIN.maxFailures)
            #expect(try await !store.consume(tokenID: s.token.id, step: 11, drift: 0, audit: Fixture.audit("validate", outcome: "accept")))
        }
    }
}
