import Foundation
import LifelineAuthenticatorKit

extension AuthenticatorService {
    /// Decodes a signed request's body as `T`, then checks, in this order: the device exists, the signature over the
    /// path and body is its key's, the path is `/api/v1/authenticator` + `path`, and the challenge named in the body is
    /// the device's, unexpired and unused (taken now: single use). Any failure is the same `unauthorized` and changes
    /// nothing (a refusal for a known device is audited on the global chain). Marks the device seen.
    func signed<T: Decodable>(_ request: SignedAppRequest, _ type: T.Type, path: String, source: String,
                              deviceID: (T) -> String, challenge: (T) -> String) async throws -> (T, AuthenticatorDevice) {
        let body: T
        do { body = try JSONDecoder().decode(T.self, from: Data(request.body)) } catch {
            throw LifelineError(.invalidRequest, "the request body is not a valid \(path.dropFirst()) request")
        }
        let refused = LifelineError(.unauthorized, "the request is not signed by a known device over a fresh challenge")
        guard let id = UUID(uuidString: deviceID(body)), let device = try await storage.authenticatorDevice(id: id) else { throw refused }
        let now = clock.now()
        // Why the path is checked as well as signed: a signature over /status must not be replayed at /code.
        guard request.path == AuthenticatorWire.pathPrefix + path,
              AuthenticatorSignature.verify(signature: request.signature, publicKey: device.publicKey, method: "POST", path: request.path,
                                            body: request.body),
              let raw = Data(base64Encoded: challenge(body)), raw.count == 32,
              try await storage.takeChallenge(hash: AuthenticatorRules.challengeHash(Array(raw)), deviceID: id, now: now) else {
            try await storage.append(AuditRecord(time: now, tenant: nil, actor: Self.actor(id), subject: id.uuidString.lowercased(),
                                                 event: "authenticator.request", outcome: "refused", reason: "bad signature or challenge",
                                                 source: source))
            throw refused
        }
        try await storage.touchDevice(id: id, at: now)
        return (body, device)
    }

    /// The audit actor of an app.
    static func actor(_ deviceID: UUID) -> String { "device:" + deviceID.uuidString.lowercased() }

    /// The device's link at the tenant named `tenantName` that is not deactivated (else its newest deactivated one,
    /// else nil), with the tenant.
    func link(of device: AuthenticatorDevice, tenantName: String) async throws -> (Tenant, AuthenticatorLink)? {
        guard (try? Validation.tenantName(tenantName)) != nil, let tenant = try await storage.tenant(named: tenantName) else { return nil }
        let links = try await storage.authenticatorLinks(deviceID: device.id).filter { $0.tenantID == tenant.id }
        guard let link = links.first(where: { $0.state != .deactivated }) ?? links.last else { return nil }
        return (tenant, link)
    }

    /// An answer with the device's organizations and whether its PIN is blocked.
    func answer(_ result: AuthenticatorWire.Result, device: UUID, code: String? = nil, expiresIn: Int? = nil,
                attemptsLeft: Int? = nil) async throws -> AuthenticatorWire.Answer {
        let links = try await storage.authenticatorLinks(deviceID: device)
        var organizations: [AuthenticatorWire.Organization] = []
        for link in links where link.state != .deactivated || !links.contains(where: { $0.tenantID == link.tenantID && $0.state != .deactivated }) {
            guard let tenant = try await storage.tenant(id: link.tenantID), let user = try await storage.user(id: link.userID) else { continue }
            organizations.removeAll { $0.tenantID == AuthenticatorRules.organization(tenant.id) }
            organizations.append(AuthenticatorWire.Organization(tenant: tenant.name, tenantID: AuthenticatorRules.organization(tenant.id),
                                                                username: user.username, state: link.state.rawValue))
        }
        return AuthenticatorWire.Answer(result: result, code: code, expiresIn: expiresIn, attemptsLeft: attemptsLeft,
                                        pinBlocked: AuthenticatorLink.pinBlocked(links), organizations: organizations)
    }

    /// The answer for a link that is not active: deactivated, or blocked (the PIN, or only this organization).
    func notActive(_ link: AuthenticatorLink, device: UUID) async throws -> AuthenticatorWire.Answer {
        if link.state == .deactivated { return try await answer(.deactivated, device: device) }
        let pinBlocked = AuthenticatorLink.pinBlocked(try await storage.authenticatorLinks(deviceID: device))
        return try await answer(pinBlocked ? .pinBlocked : .organizationBlocked, device: device)
    }

    /// Whether `given` is the device's PIN verifier (constant time: an early exit would tell how much of a guessed
    /// verifier was right).
    func isPIN(_ given: [UInt8], of device: AuthenticatorDevice) async throws -> Bool {
        let stored = try await vault.open(device.pinVerifier, context: AuthenticatorSealing.pinVerifierContext(deviceID: device.id))
        return ConstantTime.equals(stored, given)
    }

    /// Counts a wrong PIN of the device (audited at `tenant`; the block, when it happens, at every tenant whose link it
    /// blocks) and answers `wrong_pin` with the attempts left, or `pin_blocked`.
    func wrongPIN(_ device: AuthenticatorDevice, tenant: Tenant, username: String, source: String) async throws -> AuthenticatorWire.Answer {
        let now = clock.now()
        let blockAudit = try await blockRecords(device: device.id, now: now, source: source)
        let count = try await storage.recordWrongPIN(
            deviceID: device.id, maxFailures: AuthenticatorRules.maxPINFailures, now: now,
            audit: AuditRecord(time: now, tenant: tenant.name, actor: Self.actor(device.id), subject: username, event: "authenticator.pin_wrong",
                               outcome: "failure", source: source),
            blockAudit: blockAudit)
        guard let count, !count.blocked else { return try await answer(.pinBlocked, device: device.id, attemptsLeft: 0) }
        return try await answer(.wrongPIN, device: device.id, attemptsLeft: AuthenticatorRules.maxPINFailures - count.failures)
    }

    /// The `authenticator.pin_blocked` records of a block by wrong PINs: one on the chain of each tenant where the
    /// device has an active link.
    func blockRecords(device: UUID, now: Date, source: String) async throws -> [AuditRecord] {
        var out: [AuditRecord] = []
        for link in try await storage.authenticatorLinks(deviceID: device) where link.state == .active {
            guard let tenant = try await storage.tenant(id: link.tenantID), let user = try await storage.user(id: link.userID) else { continue }
            out.append(AuditRecord(time: now, tenant: tenant.name, actor: Self.actor(device), subject: user.username, event: "authenticator.pin_blocked",
                                   outcome: "success", reason: "\(AuthenticatorRules.maxPINFailures) wrong PINs", source: source))
        }
        return out
    }

    /// Why a new PIN is refused, or nil: shorter than the organization's `pin_length` (or not 4–8), or one of the weak
    /// PINs — found without seeing the PIN, by comparing its verifier with each weak PIN's under the app's `pinKey`.
    func weakPINReason(verifier: [UInt8], length: Int, pinKey: [UInt8], settings: AuthenticatorSettings) -> String? {
        guard AuthenticatorCode.pinLengths.contains(length), length >= settings.pinLength else {
            return "the PIN must have \(settings.pinLength) to \(AuthenticatorCode.pinLengths.upperBound) digits"
        }
        guard verifier.count == 32 else { return "the PIN verifier must be 32 bytes" }
        var weak = false
        for pin in AuthenticatorPIN.weakPINs(length: length) where ConstantTime.equals(AuthenticatorCode.pinVerifier(pinKey: pinKey, pin: pin), verifier) {
            weak = true
        }
        return weak ? "this PIN is too easy to guess (such as 0000 or 1234)" : nil
    }

    /// Decodes a base64 field, or throws `invalidRequest` naming it.
    static func bytes(_ text: String, _ field: String, count: Int? = nil) throws -> [UInt8] {
        guard let d = Data(base64Encoded: text), count.map({ d.count == $0 }) ?? true else {
            throw LifelineError(.invalidRequest, "\(field) must be base64\(count.map { " of \($0) bytes" } ?? "")")
        }
        return Array(d)
    }
}
