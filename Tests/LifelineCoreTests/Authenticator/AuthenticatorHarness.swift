import Crypto
import Foundation
import LifelineAuthenticatorKit
import LifelineCore
import LifelineTestStore
import Testing

/// The Authenticator service over the in-memory store, with tenants `demo` (alice) and `other` (alice too), and
/// ``TestApp``s that play the app with the Kit's own constructions (``AuthenticatorCode``, ``AuthenticatorSignature``).
struct AuthenticatorHarness {
    let h: ServiceHarness
    let service: AuthenticatorService
    let helpdesk: HelpdeskService

    init() throws {
        h = try ServiceHarness()
        service = AuthenticatorService(admin: h.admin, storage: h.store)
        helpdesk = HelpdeskService(admin: h.admin, storage: h.store)
    }

    /// Tenant `demo` with alice (verified phone and email), and tenant `other` with a user alice; `authenticator` is
    /// the JSON of the tenants' `authenticator:` section.
    func seed(authenticator: String = "{}") async throws {
        var config = try ServiceHarness.recoveryConfig()
        config.authenticator = try JSONDecoder().decode(AuthenticatorSettings.self, from: Data(authenticator.utf8))
        try await h.seed(config: config)
        _ = try await h.admin.createTenant(name: "other", displayName: "Other", caller: .cli)
        _ = try await h.admin.applyRecoveryConfig(tenantName: "other", config, caller: .cli)
        _ = try await h.admin.createUser(tenantName: "other", AdminService.NewUser(username: "alice"), caller: .cli)
    }

    /// An operator of every tenant with `role`.
    func op(_ name: String = "anna", _ role: Role = .helpdesk) -> Principal {
        Principal(.operator(name: name), source: "192.0.2.1", roles: [role], tenants: nil)
    }

    /// A fresh activation URI's code for `username` at `tenant`.
    func activationCode(_ tenant: String = "demo", _ username: String = "alice") async throws -> String {
        let issued = try await service.issueActivation(tenantName: tenant, username: username, serverURL: "https://lifeline.example", caller: op())
        return try #require(ActivationURI(issued.uri)).code
    }

    func done(_ outcome: HelpdeskOutcome) throws -> HelpdeskResult {
        guard case .done(let r) = outcome else { Issue.record("expected the action to run"); throw CancellationError() }
        return r
    }

    /// Runs a helpdesk action on alice at `tenant`.
    @discardableResult
    func helpdesk(_ action: HelpdeskAction, _ tenant: String = "demo", as caller: Principal? = nil) async throws -> HelpdeskResult {
        try done(try await helpdesk.perform(tenantName: tenant, username: "alice", HelpdeskRequest(action: action, reason: "INC-1"), caller: caller ?? op()))
    }

    /// The events of the audit log, as `event outcome`.
    func trail() -> [String] { h.auditTrail() }
}

/// An app: its device key, `pinKey`, PIN and organizations, talking to the service as the HTTP adapter would.
final class TestApp: @unchecked Sendable {
    // @unchecked: used from one test task at a time, except in the race tests, which only read it.
    let key = P256.Signing.PrivateKey()
    let pinKey: [UInt8] = (0..<32).map { _ in UInt8.random(in: 0...255) }
    var pin: String
    var deviceID: String?
    var orgKeys: [String: (key: [UInt8], tenantID: String)] = [:]
    let service: AuthenticatorService

    init(_ service: AuthenticatorService, pin: String = "2468") { self.service = service; self.pin = pin }

    func verifier(_ pin: String) -> String { Data(AuthenticatorCode.pinVerifier(pinKey: pinKey, pin: pin)).base64EncodedString() }

    func signed(_ path: String, _ body: some Encodable, key: P256.Signing.PrivateKey? = nil) throws -> SignedAppRequest {
        let bytes = Array(try JSONEncoder().encode(body))
        let full = AuthenticatorWire.pathPrefix + path
        let signature = try (key ?? self.key).signature(for: AuthenticatorSignature.message(method: "POST", path: full, body: bytes))
        return SignedAppRequest(path: full, body: bytes, signature: Array(signature.derRepresentation))
    }

    /// Activates with `code`: a new app, or (having a device id) this app adding an organization with `pin`.
    @discardableResult
    func activate(_ code: String, pin: String? = nil, pinLength: Int? = nil, key: P256.Signing.PrivateKey? = nil) async throws -> AuthenticatorWire.ActivateResponse {
        let pin = pin ?? self.pin
        let request = AuthenticatorWire.ActivateRequest(
            code: code, publicKey: (key ?? self.key).publicKey.x963Representation.base64EncodedString(), name: "Ada's phone", model: "test",
            deviceID: deviceID, pinKey: deviceID == nil ? Data(pinKey).base64EncodedString() : nil, pinLength: pinLength ?? pin.count,
            pinVerifier: verifier(pin))
        let response = try await service.activate(try signed("/activate", request, key: key), source: "test")
        deviceID = response.deviceID
        orgKeys[response.tenant] = (Array(Data(base64Encoded: response.orgKey)!), response.tenantID)
        return response
    }

    func challenge() async throws -> String {
        try await service.challenge(AuthenticatorWire.ChallengeRequest(deviceID: deviceID ?? UUID().uuidString)).challenge
    }

    /// Asks for an online code at `tenant` with `pin` (default: the app's PIN).
    func code(_ tenant: String = "demo", pin: String? = nil, challenge: String? = nil) async throws -> AuthenticatorWire.Answer {
        let c: String
        if let challenge { c = challenge } else { c = try await self.challenge() }
        let body = AuthenticatorWire.CodeRequest(deviceID: deviceID!, challenge: c, tenant: tenant, pinVerifier: verifier(pin ?? self.pin))
        return try await service.onlineCode(try signed("/code", body), source: "test")
    }

    func unblock(_ tenant: String = "demo", ubc: String, newPIN: String) async throws -> AuthenticatorWire.Answer {
        let body = AuthenticatorWire.UnblockRequest(deviceID: deviceID!, challenge: try await challenge(), tenant: tenant, ubc: ubc,
                                                    pinLength: newPIN.count, pinVerifier: verifier(newPIN))
        let answer = try await service.unblock(try signed("/unblock", body), source: "test")
        if answer.result == .ok { pin = newPIN }
        return answer
    }

    func resetPIN(_ tenant: String = "demo", newPIN: String) async throws -> AuthenticatorWire.Answer {
        let body = AuthenticatorWire.PINResetRequest(deviceID: deviceID!, challenge: try await challenge(), tenant: tenant, pinLength: newPIN.count,
                                                     pinVerifier: verifier(newPIN))
        let answer = try await service.resetPIN(try signed("/pin", body), source: "test")
        if answer.result == .ok { pin = newPIN }
        return answer
    }

    func status() async throws -> AuthenticatorWire.Answer {
        let body = AuthenticatorWire.StatusRequest(deviceID: deviceID!, challenge: try await challenge())
        return try await service.status(try signed("/status", body), source: "test")
    }

    /// The state of the organization `tenant` in an answer.
    static func state(_ answer: AuthenticatorWire.Answer, _ tenant: String) -> String? {
        answer.organizations.first { $0.tenant == tenant }?.state
    }
}
