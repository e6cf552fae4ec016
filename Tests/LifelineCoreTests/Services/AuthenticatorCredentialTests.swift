import Foundation
import LifelineAuthenticatorKit
import LifelineCore
import LifelineTestStore
import Testing

/// An activated Lifeline Authenticator app of alice at one tenant, on the in-memory store, with the app's keys so that
/// a test can play the app with the Kit's ``AuthenticatorCode``.
struct AuthenticatorApp {
    let store: InMemoryStore
    let vault: FixedKeyVault
    let clock: ManualClock
    let validation: ValidationService
    let tenant: Tenant
    let user: User
    let pinKey: [UInt8]
    let orgKey: [UInt8]
    let deviceID = UUID()
    let linkID = UUID()

    static func record(_ event: String, tenant: String = "demo") -> AuditRecord {
        AuditRecord(time: Date(timeIntervalSince1970: 0), tenant: tenant, actor: "test", subject: "alice", event: event, outcome: "success")
    }

    /// Tenant `demo` (id `tenantID`), user alice, and her app activated with PIN `pin`.
    init(tenantID: UUID = UUID(), pinKey: [UInt8] = (0..<32).map { UInt8($0) }, orgKey: [UInt8] = (32..<64).map { UInt8($0) },
         pin: String = "7391", at start: Date = Date(timeIntervalSince1970: 1_800_000_010)) async throws {
        vault = try FixedKeyVault()
        store = InMemoryStore(vault: vault)
        clock = ManualClock(start)
        validation = ValidationService(storage: store, vault: vault, clock: clock, policy: OTPPolicy())
        self.pinKey = pinKey; self.orgKey = orgKey
        tenant = Tenant(id: tenantID, name: "demo", displayName: "Demo", createdAt: start)
        user = User(id: UUID(), tenantID: tenantID, username: "alice", displayName: "Alice", status: .active, language: "en", createdAt: start)
        try await store.insertTenant(tenant, audit: Self.record("tenant.create"))
        try await store.insertUser(user, contacts: [], audit: Self.record("user.create"))
        let activation = AuthenticatorActivation(id: UUID(), codeHash: AuthenticatorRules.activationCodeHash("TEST"), tenantID: tenantID,
                                                 userID: user.id, issuedBy: "test", createdAt: start, expiresAt: start.addingTimeInterval(600))
        try await store.insertActivation(activation, audit: Self.record("authenticator.activation"))
        let device = AuthenticatorDevice(
            id: deviceID, publicKey: [4] + Array(repeating: 1, count: 64), name: "phone", model: "test",
            pinKey: try await vault.seal(pinKey, context: AuthenticatorSealing.pinKeyContext(deviceID: deviceID)),
            pinVerifier: try await vault.seal(AuthenticatorCode.pinVerifier(pinKey: pinKey, pin: pin),
                                              context: AuthenticatorSealing.pinVerifierContext(deviceID: deviceID)),
            pinLength: pin.utf8.count, createdAt: start)
        let link = AuthenticatorLink(id: linkID, deviceID: deviceID, tenantID: tenantID, userID: user.id,
                                     orgKey: try await vault.seal(orgKey, context: AuthenticatorSealing.orgKeyContext(linkID: linkID, deviceID: deviceID, tenantID: tenantID)),
                                     createdAt: start)
        let result = try await store.completeActivation(AuthenticatorEnrolment(activationID: activation.id, newDevice: device, link: link), now: start,
                                                        maxPINFailures: AuthenticatorRules.maxPINFailures, outboxIfReplaced: [],
                                                        audit: [Self.record("authenticator.activate")])
        #expect(result == .done(replaced: []))
    }

    var step: Int64 { AuthenticatorCodeStep.step(clock.now()) }

    /// The app's offline code now, with `pin`.
    func offlineCode(pin: String = "7391", step offset: Int64 = 0) -> String {
        AuthenticatorCode.offlineCode(orgKey: orgKey, pinVerifier: AuthenticatorCode.pinVerifier(pinKey: pinKey, pin: pin), step: step + offset)
    }

    /// The app's offline unblock code now, for `ubc` and `newPIN`.
    func unblockCode(ubc: String, newPIN: String) -> String {
        AuthenticatorCode.unblockCode(orgKey: orgKey, organization: AuthenticatorRules.organization(tenant.id), ubc: ubc, newPIN: newPIN, step: step)!
    }

    /// What the app API does for an online code: a correct PIN makes `code` the link's online code.
    func issueOnlineCode(_ code: String) async throws {
        let online = AuthenticatorOnlineCode(linkID: linkID, codeHash: AuthenticatorRules.onlineCodeHash(code, linkID: linkID),
                                             expiresAt: clock.now().addingTimeInterval(AuthenticatorRules.onlineCodeLifetime))
        #expect(try await store.issueOnlineCode(online, deviceID: deviceID, maxPINFailures: AuthenticatorRules.maxPINFailures,
                                                now: clock.now(), audit: Self.record("authenticator.code")))
    }

    /// What "Display UBC" stores.
    func displayUBC(_ digits: String) async throws {
        let id = UUID()
        let ubc = AuthenticatorUBC(id: id, tenantID: tenant.id, userID: user.id,
                                   code: try await vault.seal(Array(digits.utf8), context: AuthenticatorSealing.ubcContext(ubcID: id, tenantID: tenant.id, userID: user.id)),
                                   createdAt: clock.now(), expiresAt: clock.now().addingTimeInterval(86_400), issuedBy: "helpdesk")
        try await store.putUBC(ubc, audit: Self.record("authenticator.ubc_display"))
    }

    func validate(_ code: String, username: String = "alice") async throws -> Bool {
        try await validation.validate(tenantName: "demo", username: username, code: code, caller: .validateKey)
    }

    func device() async throws -> AuthenticatorDevice { try #require(try await store.authenticatorDevice(id: deviceID)) }
    func link() async throws -> AuthenticatorLink { try #require(try await store.authenticatorLinks(deviceID: deviceID).first { $0.id == linkID }) }
    func lastReason() -> String { store.auditEvents().last { $0.record.event == "validate" }?.record.reason ?? "" }
}

@Suite("Lifeline Authenticator at validate (in-memory store)")
struct AuthenticatorCredentialTests {
    @Test("the server accepts the documented vectors (docs/authenticator-codes.md): offline code and 9-digit unblock code")
    func fixedVectors() async throws {
        // Keys, organization and step of the vectors: pinKey 00…1f, orgKey 20…3f, T = 56666666 (unix 1699999980).
        let app = try await AuthenticatorApp(tenantID: UUID(uuidString: "0b1e4d2c-7a3f-4e5b-9c8d-1f2a3b4c5d6e")!, pin: "0472",
                                             at: Date(timeIntervalSince1970: 1_699_999_990))
        #expect(app.step == 56_666_666)
        #expect(try await app.validate("18005356"), "offline code of PIN 0472 at T = 56666666")
        // The unblock code's vector at another step, for an app whose PIN (8204) the code replaces with 0472.
        let later = try await AuthenticatorApp(tenantID: UUID(uuidString: "0b1e4d2c-7a3f-4e5b-9c8d-1f2a3b4c5d6e")!, pin: "8204",
                                               at: Date(timeIntervalSince1970: 59_066_667 * 30 + 5))
        _ = try await later.store.blockLink(tenantID: later.tenant.id, userID: later.user.id, now: later.clock.now(), audit: AuthenticatorApp.record("authenticator.block"))
        try await later.displayUBC("40718265")
        #expect(try await later.validate("099092067"), "unblock code of UBC 40718265, new PIN 0472, T = 59066667")
        #expect(try await later.link().state == .active)
        #expect(try await later.validate("43603750") == false, "T = 59066667 is used now: the offline code of that step is a replay")
        later.clock.advance(by: 30)
        #expect(try await later.validate(later.offlineCode(pin: "0472")), "the new PIN (0472, from the unblock code) gives valid codes")
    }

    @Test("an offline code is accepted once; its replay is refused and counts as no wrong PIN")
    func offlineOnce() async throws {
        let app = try await AuthenticatorApp()
        let code = app.offlineCode()
        #expect(try await app.validate(code))
        #expect(try await !app.validate(code))
        #expect(app.lastReason() == "authenticator offline code replayed")
        #expect(try await app.device().pinFailures == 0)
        // The next step gives a fresh code.
        app.clock.advance(by: 30)
        #expect(try await app.validate(app.offlineCode()))
    }

    @Test("an online code is accepted once, within 120 s")
    func onlineOnce() async throws {
        let app = try await AuthenticatorApp()
        try await app.issueOnlineCode("40917263")
        #expect(try await app.validate("40917263"))
        #expect(try await !app.validate("40917263"))
        try await app.issueOnlineCode("55120873")
        app.clock.advance(by: 121)
        #expect(try await !app.validate("55120873"), "expired")
    }

    @Test("a used online code replayed 5 times: all refused, none counted as a wrong PIN, the PIN not blocked")
    func onlineReplayUncounted() async throws {
        let app = try await AuthenticatorApp()
        try await app.issueOnlineCode("40917263")
        #expect(try await app.validate("40917263"))
        for i in 1...5 {
            #expect(try await !app.validate("40917263"), "replay \(i)")
            #expect(app.lastReason() == "authenticator online code replayed", "replay \(i)")
        }
        #expect(try await app.device().pinFailures == 0, "a replay is the right code, not a guess at the PIN")
        #expect(try await app.link().state == .active)
        // The app still works: a fresh offline code is accepted.
        #expect(try await app.validate(app.offlineCode()))
    }

    @Test("an expired online code is refused and counted as no wrong PIN")
    func onlineExpiredUncounted() async throws {
        let app = try await AuthenticatorApp()
        try await app.issueOnlineCode("55120873")
        app.clock.advance(by: 121)
        for _ in 1...4 { #expect(try await !app.validate("55120873")) }
        #expect(app.lastReason() == "authenticator online code expired")
        #expect(try await app.device().pinFailures == 0)
        #expect(try await app.link().state == .active)
    }

    @Test("3 wrong offline codes (a wrong PIN) block every link; then only the unblock code works, once")
    func wrongPINsBlockThenUnblockOffline() async throws {
        let app = try await AuthenticatorApp()
        for n in 1...3 {
            #expect(try await !app.validate(app.offlineCode(pin: "1357")))
            #expect(app.lastReason() == "wrong authenticator code")
            #expect(try await app.device().pinFailures == n)
        }
        #expect(try await app.link().state == .blocked)
        #expect(try await !app.validate(app.offlineCode()), "blocked: the right PIN's code is refused")
        #expect(app.store.auditEvents().contains { $0.record.event == "authenticator.pin_blocked" })
        // Display UBC; the app makes the 9-digit code with a new PIN.
        try await app.displayUBC("40718265")
        let unblock = app.unblockCode(ubc: "40718265", newPIN: "8204")
        #expect(unblock.count == 9)
        #expect(try await app.validate(unblock), "authenticates and unblocks")
        #expect(try await app.link().state == .active)
        #expect(try await app.device().pinFailures == 0)
        #expect(try await app.store.authenticatorUBC(tenantID: app.tenant.id, userID: app.user.id) == nil, "the UBC is used up")
        #expect(try await !app.validate(unblock), "replay refused")
        app.clock.advance(by: 30)
        #expect(try await !app.validate(app.offlineCode()), "the old PIN is gone")
        #expect(try await app.validate(app.offlineCode(pin: "8204")))
    }

    @Test("3 wrong unblock codes block the UBC; the right one is refused after")
    func wrongUnblockCodesBlockTheUBC() async throws {
        let app = try await AuthenticatorApp()
        _ = try await app.store.blockLink(tenantID: app.tenant.id, userID: app.user.id, now: app.clock.now(), audit: AuthenticatorApp.record("authenticator.block"))
        try await app.displayUBC("40718265")
        for n in 1...3 {
            #expect(try await !app.validate(app.unblockCode(ubc: "40718266", newPIN: "8204")))
            #expect(app.lastReason() == "wrong unblock code")
            #expect(try await app.store.authenticatorUBC(tenantID: app.tenant.id, userID: app.user.id)?.failures == n)
        }
        #expect(try await !app.validate(app.unblockCode(ubc: "40718265", newPIN: "8204")))
        #expect(try await app.link().state == .blocked)
        #expect(try await app.device().pinFailures == 0, "wrong unblock codes are no wrong PINs")
    }

    @Test("an unblock code carrying a weak PIN is refused uncounted")
    func weakPINInUnblockCode() async throws {
        let app = try await AuthenticatorApp()
        try await app.displayUBC("40718265")
        #expect(try await !app.validate(app.unblockCode(ubc: "40718265", newPIN: "1234")))
        #expect(app.lastReason() == "authenticator unblock code with a weak PIN")
        #expect(try await app.store.authenticatorUBC(tenantID: app.tenant.id, userID: app.user.id)?.failures == 0)
    }

    @Test("20 concurrent wrong offline codes count exactly 3 wrong PINs (a limit of 3 allows 3) and block once")
    func burst() async throws {
        let app = try await AuthenticatorApp()
        let wrong = app.offlineCode(pin: "1357")
        try await withThrowingTaskGroup(of: Bool.self) { group in
            for _ in 0..<20 { group.addTask { try await app.validate(wrong) } }
            for try await accepted in group { #expect(!accepted) }
        }
        #expect(try await app.device().pinFailures == AuthenticatorRules.maxPINFailures)
        #expect(try await app.link().state == .blocked)
        #expect(app.store.auditEvents().filter { $0.record.event == "authenticator.pin_blocked" }.count == 1)
        #expect(app.store.auditEvents().filter { $0.record.event == "validate" && $0.record.outcome == "reject" }.count == 20)
    }

    @Test("an unknown user, and a user without the app, are refused like a wrong code and count nothing")
    func unknownUser() async throws {
        let app = try await AuthenticatorApp()
        #expect(try await !app.validate(app.offlineCode(), username: "mallory"))
        #expect(try await !app.validate(app.unblockCode(ubc: "40718265", newPIN: "8204"), username: "mallory"))
        #expect(app.lastReason() == "unknown user")
        try await app.store.insertUser(User(id: UUID(), tenantID: app.tenant.id, username: "bob", displayName: "Bob", status: .active,
                                            language: "en", createdAt: app.clock.now()), contacts: [], audit: AuthenticatorApp.record("user.create"))
        #expect(try await !app.validate(app.offlineCode(), username: "bob"))
        #expect(try await app.device().pinFailures == 0)
    }
}
