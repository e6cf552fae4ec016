import Crypto
import Foundation
import LifelineAuthenticatorKit
import LifelineCore
import LifelineTestStore
import Testing

/// Issue 16 "Activation and devices": the single-use, 10-minute activation code; the PIN rule; one app per user and
/// organization, the previous one deactivated and its owner told.
@Suite("Authenticator: activation")
struct AuthenticatorActivationTests {
    let t: AuthenticatorHarness
    init() throws { t = try AuthenticatorHarness() }

    @Test("an activation code is 26 base32 letters, stored only as a hash, audited, and works once")
    func singleUse() async throws {
        try await t.seed()
        let code = try await t.activationCode()
        #expect(code.count == 26 && code.allSatisfy { "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567".contains($0) })
        #expect(t.trail().contains("authenticator.activation_issue success"))
        let app = TestApp(t.service)
        let response = try await app.activate(code)
        #expect(response.tenant == "demo" && response.username == "alice" && Data(base64Encoded: response.orgKey)?.count == 32)
        let again = await #expect(throws: LifelineError.self) { try await TestApp(t.service).activate(code) }
        #expect(again?.code == .unauthorized)
        #expect(t.trail().filter { $0 == "authenticator.activate success" }.count == 1)
    }

    @Test("concurrent activations with one code: exactly one app is activated")
    func singleUseRace() async throws {
        try await t.seed()
        let code = try await t.activationCode()
        let service = t.service
        let wins = await withTaskGroup(of: Bool.self) { group in
            for _ in 0..<8 { group.addTask { (try? await TestApp(service).activate(code)) != nil } }
            return await group.reduce(0) { $0 + ($1 ? 1 : 0) }
        }
        #expect(wins == 1)
    }

    @Test("an activation code expires after 10 minutes")
    func expiry() async throws {
        try await t.seed()
        let code = try await t.activationCode()
        t.h.clock.advance(by: 600)
        let error = await #expect(throws: LifelineError.self) { try await TestApp(t.service).activate(code) }
        #expect(error?.code == .unauthorized)
    }

    @Test("a request not signed by the key in its body is refused, and the code stays usable")
    func wrongSigner() async throws {
        try await t.seed()
        let code = try await t.activationCode()
        let app = TestApp(t.service)
        let body = AuthenticatorWire.ActivateRequest(code: code, publicKey: app.key.publicKey.x963Representation.base64EncodedString(), name: "x",
                                                     model: "y", deviceID: nil, pinKey: Data(app.pinKey).base64EncodedString(), pinLength: 4,
                                                     pinVerifier: app.verifier("2468"))
        let forged = try app.signed("/activate", body, key: P256.Signing.PrivateKey())
        let error = await #expect(throws: LifelineError.self) { try await t.service.activate(forged, source: "test") }
        #expect(error?.code == .unauthorized)
        try await app.activate(code)
    }

    @Test("a weak PIN or one shorter than the tenant's pin_length is refused without the server seeing it")
    func weakPIN() async throws {
        try await t.seed(authenticator: #"{"pin_length": 5}"#)
        for pin in ["1234", "00000", "12345", "54321", "12121"] {
            let code = try await t.activationCode()
            let error = await #expect(throws: LifelineError.self) { try await TestApp(t.service, pin: pin).activate(code) }
            #expect(error?.code == .invalidRequest, "PIN \(pin)")
        }
        try await TestApp(t.service, pin: "24681").activate(try await t.activationCode())
    }

    @Test("a new app for the same user and tenant deactivates the old one, which stops giving codes, and the user is told")
    func newAppReplacesOld() async throws {
        try await t.seed()
        let old = TestApp(t.service), new = TestApp(t.service, pin: "8642")
        try await old.activate(try await t.activationCode())
        #expect(try await old.code().result == .ok)
        let before = t.h.store.outboxMessages().count
        try await new.activate(try await t.activationCode())
        #expect(try await old.code().result == .deactivated)
        #expect(try await new.code().result == .ok)
        let notices = t.h.store.outboxMessages().dropFirst(before)
        #expect(Set(notices.map(\.recipient)) == ["+420777123789", "alice@demo.example"])
        let text = String(decoding: try await t.h.vault.open(notices.first!.body!, context: notices.first!.sealContext), as: UTF8.self)
        #expect(text.contains("new Lifeline Authenticator app was activated"))
        let state = try await t.service.userState(tenantName: "demo", username: "alice", caller: t.op())
        #expect(state.devices.map(\.state) == ["active", "deactivated"])
    }

    @Test("an app adds a second organization with its one PIN; a wrong PIN there counts toward the 3")
    func secondOrganization() async throws {
        try await t.seed()
        let app = TestApp(t.service)
        try await app.activate(try await t.activationCode())
        let code = try await t.activationCode("other")
        let wrong = await #expect(throws: LifelineError.self) { try await app.activate(code, pin: "1357") }
        #expect(wrong?.code == .forbidden)
        #expect(try await t.h.store.authenticatorDevice(id: UUID(uuidString: app.deviceID!)!)?.pinFailures == 1)
        let response = try await app.activate(code)
        #expect(response.tenant == "other")
        #expect(try await t.h.store.authenticatorDevice(id: UUID(uuidString: app.deviceID!)!)?.pinFailures == 0)
        let status = try await app.status()
        #expect(Set(status.organizations.map(\.tenant)) == ["demo", "other"] && !status.pinBlocked)
    }

    @Test("a known device id with another key is refused")
    func knownDeviceOtherKey() async throws {
        try await t.seed()
        let app = TestApp(t.service)
        try await app.activate(try await t.activationCode())
        let thief = TestApp(t.service)
        thief.deviceID = app.deviceID
        let error = await #expect(throws: LifelineError.self) { try await thief.activate(try await t.activationCode("other"), pin: app.pin) }
        #expect(error?.code == .unauthorized)
    }
}
