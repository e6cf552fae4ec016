import Crypto
import Foundation
import LifelineAuthenticatorKit
import LifelineCore
import LifelineTestStore
import Testing

/// Every app request is signed by the device key over a fresh challenge: 2 minutes, single use.
@Suite("Authenticator: signed requests and challenges")
struct AuthenticatorSignedRequestTests {
    let t: AuthenticatorHarness
    init() throws { t = try AuthenticatorHarness() }

    func activated() async throws -> TestApp {
        try await t.seed()
        let app = TestApp(t.service)
        try await app.activate(try await t.activationCode())
        return app
    }

    @Test("a challenge is single use: the second request with it is refused")
    func reuse() async throws {
        let app = try await activated()
        let c = try await app.challenge()
        #expect(try await app.code(challenge: c).result == .ok)
        let error = await #expect(throws: LifelineError.self) { try await app.code(challenge: c) }
        #expect(error?.code == .unauthorized)
    }

    @Test("concurrent requests with one challenge: exactly one is answered")
    func reuseRace() async throws {
        let app = try await activated()
        let c = try await app.challenge()
        let answered = await withTaskGroup(of: Bool.self) { group in
            for _ in 0..<10 { group.addTask { (try? await app.code(challenge: c)) != nil } }
            return await group.reduce(0) { $0 + ($1 ? 1 : 0) }
        }
        #expect(answered == 1)
    }

    @Test("a challenge expires after 2 minutes")
    func expired() async throws {
        let app = try await activated()
        let c = try await app.challenge()
        t.h.clock.advance(by: 120)
        let error = await #expect(throws: LifelineError.self) { try await app.code(challenge: c) }
        #expect(error?.code == .unauthorized)
    }

    @Test("a request signed by another key is refused and takes nothing: the challenge still works")
    func wrongKey() async throws {
        let app = try await activated()
        let c = try await app.challenge()
        let body = AuthenticatorWire.CodeRequest(deviceID: app.deviceID!, challenge: c, tenant: "demo", pinVerifier: app.verifier(app.pin))
        let forged = try app.signed("/code", body, key: P256.Signing.PrivateKey())
        let error = await #expect(throws: LifelineError.self) { try await t.service.onlineCode(forged, source: "test") }
        #expect(error?.code == .unauthorized)
        #expect(t.trail().contains("authenticator.request refused"))
        #expect(try await app.code(challenge: c).result == .ok)
    }

    @Test("a signature for one path is refused at another")
    func wrongPath() async throws {
        let app = try await activated()
        let body = AuthenticatorWire.CodeRequest(deviceID: app.deviceID!, challenge: try await app.challenge(), tenant: "demo",
                                                 pinVerifier: app.verifier(app.pin))
        var request = try app.signed("/code", body)
        request.path = AuthenticatorWire.pathPrefix + "/status"
        let error = await #expect(throws: LifelineError.self) { try await t.service.onlineCode(request, source: "test") }
        #expect(error?.code == .unauthorized)
    }

    @Test("an unknown device gets a challenge of the same shape, which nothing accepts")
    func unknownDevice() async throws {
        let app = try await activated()
        let known = try await app.challenge()
        let unknown = try await t.service.challenge(AuthenticatorWire.ChallengeRequest(deviceID: UUID().uuidString))
        #expect(Data(base64Encoded: unknown.challenge)?.count == Data(base64Encoded: known)?.count && unknown.expiresIn == 120)
        let error = await #expect(throws: LifelineError.self) { try await app.code(challenge: unknown.challenge) }
        #expect(error?.code == .unauthorized)
    }
}
