import Foundation
import LifelineAuthenticatorKit
import LifelineApp
import LifelineCore
@testable import LifelineStore
import Testing

/// The Lifeline Authenticator at validate (issue 16) through ValidationService on SQLite and PostgreSQL, with racing
/// requests: each code accepted once, a limit of 3 wrong PINs counts 3, the unblock code accepted once.
@Suite("Authenticator at validate: races on the SQL store")
struct AuthenticatorValidationRaceTests {
    static let caller = Caller(actor: "apikey:test", scope: .validate)
    static let pinKey: [UInt8] = (0..<32).map { UInt8($0) }
    static let orgKey: [UInt8] = (32..<64).map { UInt8($0) }

    /// Tenant acme, user Alice and her activated app (PIN 7391); the validation service at a fixed time.
    static func seed(_ store: SQLStore) async throws -> (ValidationService, StoreTestClock, Tenant, User, UUID) {
        let vault = try FileKeyVault(kek: Array(repeating: 9, count: 32), previous: [])
        let now = Date(timeIntervalSince1970: 1_800_000_010)
        let clock = StoreTestClock(now: now)
        let (tenant, user) = try await Fixture.seedUser(store)
        let deviceID = UUID(), linkID = UUID()
        let activation = AuthenticatorActivation(id: UUID(), codeHash: AuthenticatorRules.activationCodeHash("RACE"), tenantID: tenant.id,
                                                 userID: user.id, issuedBy: "test", createdAt: now, expiresAt: now.addingTimeInterval(600))
        try await store.insertActivation(activation, audit: Fixture.audit("authenticator.activation"))
        let device = AuthenticatorDevice(
            id: deviceID, publicKey: [4] + Array(repeating: 1, count: 64), name: "phone", model: "test",
            pinKey: try await vault.seal(pinKey, context: AuthenticatorSealing.pinKeyContext(deviceID: deviceID)),
            pinVerifier: try await vault.seal(AuthenticatorCode.pinVerifier(pinKey: pinKey, pin: "7391"),
                                              context: AuthenticatorSealing.pinVerifierContext(deviceID: deviceID)),
            pinLength: 4, createdAt: now)
        let link = AuthenticatorLink(id: linkID, deviceID: deviceID, tenantID: tenant.id, userID: user.id,
                                     orgKey: try await vault.seal(orgKey, context: AuthenticatorSealing.orgKeyContext(linkID: linkID, deviceID: deviceID, tenantID: tenant.id)),
                                     createdAt: now)
        _ = try await store.completeActivation(AuthenticatorEnrolment(activationID: activation.id, newDevice: device, link: link), now: now,
                                               maxPINFailures: AuthenticatorRules.maxPINFailures, outboxIfReplaced: [],
                                               audit: [Fixture.audit("authenticator.activate")])
        return (ValidationService(storage: store, vault: vault, clock: clock, policy: OTPPolicy()), clock, tenant, user, deviceID)
    }

    static func race(_ n: Int, _ validation: ValidationService, code: String) async throws -> Int {
        try await withThrowingTaskGroup(of: Bool.self) { group in
            for _ in 0..<n {
                group.addTask { try await validation.validate(tenantName: "acme", username: "alice", code: code, caller: caller) }
            }
            var accepted = 0
            for try await ok in group where ok { accepted += 1 }
            return accepted
        }
    }

    static func offlineCode(pin: String, at date: Date) -> String {
        AuthenticatorCode.offlineCode(orgKey: orgKey, pinVerifier: AuthenticatorCode.pinVerifier(pinKey: pinKey, pin: pin),
                                      step: AuthenticatorCodeStep.step(date))
    }

    @Test("20 racing requests with one offline code: one accept; 20 racing wrong codes: exactly 3 wrong PINs, one block", arguments: Backend.available)
    func offlineAndWrongPINs(_ backend: Backend) async throws {
        try await withStore(backend, maxConnections: 10) { store, _ in
            let (validation, clock, _, _, deviceID) = try await Self.seed(store)
            #expect(try await Self.race(20, validation, code: Self.offlineCode(pin: "7391", at: clock.now())) == 1)
            #expect(try await store.authenticatorDevice(id: deviceID)?.pinFailures == 0, "the losers are replays, not wrong PINs")
            #expect(try await Self.race(20, validation, code: Self.offlineCode(pin: "1357", at: clock.now())) == 0)
            #expect(try await store.authenticatorDevice(id: deviceID)?.pinFailures == AuthenticatorRules.maxPINFailures)
            #expect(try await store.authenticatorLinks(deviceID: deviceID).allSatisfy { $0.state == .blocked })
            #expect(try await store.int("SELECT COUNT(*) AS n FROM audit_events WHERE event = 'authenticator.pin_blocked'") == 1)
            #expect(try await store.verifyChain().broken == nil)
        }
    }

    @Test("20 racing requests with one offline unblock code: one accept (PIN set, link unblocked, UBC gone)", arguments: Backend.available)
    func unblockOnce(_ backend: Backend) async throws {
        try await withStore(backend, maxConnections: 10) { store, _ in
            let (validation, clock, tenant, user, deviceID) = try await Self.seed(store)
            let vault = try FileKeyVault(kek: Array(repeating: 9, count: 32), previous: [])
            _ = try await store.blockLink(tenantID: tenant.id, userID: user.id, now: clock.now(), audit: Fixture.audit("authenticator.block"))
            let ubcID = UUID()
            try await store.putUBC(AuthenticatorUBC(id: ubcID, tenantID: tenant.id, userID: user.id,
                                                    code: try await vault.seal(Array("40718265".utf8), context: AuthenticatorSealing.ubcContext(ubcID: ubcID, tenantID: tenant.id, userID: user.id)),
                                                    createdAt: clock.now(), expiresAt: clock.now().addingTimeInterval(86_400), issuedBy: "helpdesk"),
                                   audit: Fixture.audit("authenticator.ubc_display"))
            let code = try #require(AuthenticatorCode.unblockCode(orgKey: Self.orgKey, organization: AuthenticatorRules.organization(tenant.id),
                                                                  ubc: "40718265", newPIN: "8204", step: AuthenticatorCodeStep.step(clock.now())))
            #expect(try await Self.race(20, validation, code: code) == 1)
            #expect(try await store.authenticatorLinks(deviceID: deviceID).allSatisfy { $0.state == .active })
            #expect(try await store.authenticatorUBC(tenantID: tenant.id, userID: user.id) == nil)
            #expect(try await validation.validate(tenantName: "acme", username: "alice", code: code, caller: Self.caller) == false, "replay")
        }
    }
}
