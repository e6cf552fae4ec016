import Crypto
import Foundation
import HTTPTypes
import HummingbirdTesting
import LifelineAuthenticatorKit
import LifelineCore
import NIOCore
import Testing

/// The app API with the service behind it (issue 16), as an app uses it over HTTP: an activation issued by the admin
/// API, the signed activation, a challenge and an online code accepted at validate, an operator's Block PIN and
/// Display UBC seen through the admin API, and an online unblock.
@Suite("Authenticator: the app API end to end over HTTP")
struct AuthenticatorFlowTests {
    /// A test app: its device key, pinKey and the ids the server gave it.
    struct App {
        let key = P256.Signing.PrivateKey()
        let pinKey = (0..<32).map { _ in UInt8.random(in: 0...255) }
        var deviceID = ""

        func verifier(_ pin: String) -> String { Data(AuthenticatorCode.pinVerifier(pinKey: pinKey, pin: pin)).base64EncodedString() }

        /// POSTs `body` to the app route `name`, signed over the exact bytes.
        func post(_ client: some TestClientProtocol, _ name: String, _ body: some Encodable) async throws -> TestResponse {
            let path = AuthenticatorWire.pathPrefix + "/" + name
            let bytes = Array(try JSONEncoder().encode(body))
            let sig = try key.signature(for: AuthenticatorSignature.message(method: "POST", path: path, body: bytes)).derRepresentation
            return try await client.execute(uri: path, method: .post,
                                            headers: [.contentType: "application/json", HTTPField.Name(AuthenticatorWire.signatureHeader)!: sig.base64EncodedString()],
                                            body: ByteBuffer(bytes: bytes)) { $0 }
        }

        func challenge(_ client: some TestClientProtocol) async throws -> String {
            let r = try await client.send(.post, AuthenticatorWire.pathPrefix + "/challenge", json: ["device_id": deviceID])
            #expect(r.status == .ok, "\(String(buffer: r.body))")
            return try JSONDecoder().decode(AuthenticatorWire.ChallengeResponse.self, from: Data(buffer: r.body)).challenge
        }
    }

    /// alice's app at acme, activated through the admin API and the signed `/activate` with PIN `pin`.
    static func activatedApp(_ fx: Fixture, _ client: some TestClientProtocol, pin: String = "4827") async throws -> App {
        let issued = try await client.send(.post, "/api/v1/admin/tenants/acme/users/alice/authenticator/activations", key: fx.adminKey, body: "{}")
        let text = try #require(try jsonObject(issued)["uri"] as? String)
        let uri = try #require(ActivationURI(text))
        var app = App()
        let r = try await app.post(client, "activate", AuthenticatorWire.ActivateRequest(
            code: uri.code, publicKey: Data(app.key.publicKey.x963Representation).base64EncodedString(), name: "Test phone",
            model: "test", deviceID: nil, pinKey: Data(app.pinKey).base64EncodedString(), pinLength: 4, pinVerifier: app.verifier(pin)))
        #expect(r.status == .ok, "\(String(buffer: r.body))")
        app.deviceID = try JSONDecoder().decode(AuthenticatorWire.ActivateResponse.self, from: Data(buffer: r.body)).deviceID
        return app
    }

    static func answer(_ r: TestResponse) throws -> AuthenticatorWire.Answer {
        #expect(r.status == .ok, "\(r.status): \(String(buffer: r.body))")
        return try JSONDecoder().decode(AuthenticatorWire.Answer.self, from: Data(buffer: r.body))
    }

    @Test("activate, online code accepted at validate; Block PIN and Display UBC through the admin API; online unblock")
    func appOverHTTP() async throws {
        try await Fixture.with { fx in
            try await fx.seedAlice()
            try await fx.app().test(.router) { client in
                let admin = "/api/v1/admin/tenants/acme/users/alice"
                let issued = try await client.send(.post, admin + "/authenticator/activations", key: fx.adminKey, body: "{}")
                #expect(issued.status == .created && issued.headers[.cacheControl] == "no-store")
                let uriText = try #require(try jsonObject(issued)["uri"] as? String)
                let uri = try #require(ActivationURI(uriText), "\(uriText)")
                #expect(uri.tenant == "acme" && uri.username == "alice" && uri.server.hasPrefix("http"))

                var app = App()
                let activate = AuthenticatorWire.ActivateRequest(
                    code: uri.code, publicKey: Data(app.key.publicKey.x963Representation).base64EncodedString(), name: "Test phone",
                    model: "test", deviceID: nil, pinKey: Data(app.pinKey).base64EncodedString(), pinLength: 4, pinVerifier: app.verifier("4827"))
                let activated = try await app.post(client, "activate", activate)
                #expect(activated.status == .ok, "\(String(buffer: activated.body))")
                app.deviceID = try JSONDecoder().decode(AuthenticatorWire.ActivateResponse.self, from: Data(buffer: activated.body)).deviceID
                // Single use: the same activation again is refused.
                try expectError(try await app.post(client, "activate", activate), .unauthorized, "unauthorized")

                let ok = try Self.answer(try await app.post(client, "code", AuthenticatorWire.CodeRequest(
                    deviceID: app.deviceID, challenge: try await app.challenge(client), tenant: "acme", pinVerifier: app.verifier("4827"))))
                #expect(ok.result == .ok)
                let code = try #require(ok.code)
                // Its acceptance at /api/v1/validate is the validation's (AuthenticatorCredential) and the end-to-end test's.
                #expect(code.count == 8 && code.allSatisfy(\.isNumber) && ok.expiresIn == 120)
                // A challenge is single use: a replayed signed request is refused.
                let replay = AuthenticatorWire.CodeRequest(deviceID: app.deviceID, challenge: try await app.challenge(client), tenant: "acme",
                                                           pinVerifier: app.verifier("4827"))
                _ = try await app.post(client, "code", replay)
                try expectError(try await app.post(client, "code", replay), .unauthorized, "unauthorized")

                let state = try jsonObject(try await client.send(.get, admin + "/authenticator", key: fx.adminKey))
                let devices = try #require(state["devices"] as? [[String: Any]])
                #expect(devices.count == 1 && devices.first?["name"] as? String == "Test phone" && devices.first?["state"] as? String == "active")

                let blocked = try await client.send(.post, admin + "/helpdesk/pin_block", key: fx.adminKey, json: ["reason": "INC-16"])
                #expect(blocked.status == .ok, "\(String(buffer: blocked.body))")
                #expect(try jsonObject(try await client.send(.get, admin + "/authenticator", key: fx.adminKey))["blocked"] as? Bool == true)
                let shown = try await client.send(.post, admin + "/helpdesk/ubc_display", key: fx.adminKey, json: ["reason": "INC-16"])
                #expect(shown.headers[.cacheControl] == "no-store")
                let ubc = try #require((try jsonObject(shown)["ubc"] as? [String: Any])?["code"] as? String)
                #expect(ubc.count == 8 && ubc.allSatisfy(\.isNumber))

                let unblocked = try Self.answer(try await app.post(client, "unblock", AuthenticatorWire.UnblockRequest(
                    deviceID: app.deviceID, challenge: try await app.challenge(client), tenant: "acme", ubc: ubc, pinLength: 4,
                    pinVerifier: app.verifier("5934"))))
                #expect(unblocked.result == .ok, "\(unblocked)")
                #expect(try jsonObject(try await client.send(.get, admin + "/authenticator", key: fx.adminKey))["blocked"] as? Bool == false)
                let status = try Self.answer(try await app.post(client, "status", AuthenticatorWire.StatusRequest(
                    deviceID: app.deviceID, challenge: try await app.challenge(client))))
                #expect(status.organizations.map(\.state) == ["active"])
            }
        }
    }

    @Test("a signature by another key, or over other bytes, is 401 and changes nothing")
    func wrongSignature() async throws {
        try await Fixture.with { fx in
            try await fx.seedAlice()
            try await fx.app().test(.router) { client in
                let issued = try await client.send(.post, "/api/v1/admin/tenants/acme/users/alice/authenticator/activations", key: fx.adminKey, body: "{}")
                let text = try #require(try jsonObject(issued)["uri"] as? String)
                let uri = try #require(ActivationURI(text))
                let app = App(), other = App()
                let activate = AuthenticatorWire.ActivateRequest(
                    code: uri.code, publicKey: Data(app.key.publicKey.x963Representation).base64EncodedString(), name: "Phone",
                    model: "test", deviceID: nil, pinKey: Data(app.pinKey).base64EncodedString(), pinLength: 4, pinVerifier: app.verifier("4827"))
                // Signed by another key than the one registered.
                try expectError(try await other.post(client, "activate", activate), .unauthorized, "unauthorized")
                // The activation code is still good for the right key (a refused request consumed nothing).
                #expect(try await app.post(client, "activate", activate).status == .ok)
            }
        }
    }
}
