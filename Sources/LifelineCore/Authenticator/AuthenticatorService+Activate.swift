import Crypto
import Foundation
import LifelineAuthenticatorKit

extension AuthenticatorService {
    /// Activation: the code (single use, 10 min) stands in for the challenge, and the request is signed by the key in
    /// its body. A new app registers that key, its `pinKey` and its PIN's verifier; an app already known (`device_id`)
    /// must sign with its registered key and prove its PIN (a wrong one counts toward the 3). Either way the server
    /// makes the organization key, and the user's previous app at the tenant is deactivated and the user told.
    func activateApp(_ request: SignedAppRequest, source: String) async throws -> AuthenticatorWire.ActivateResponse {
        let body: AuthenticatorWire.ActivateRequest
        do { body = try JSONDecoder().decode(AuthenticatorWire.ActivateRequest.self, from: Data(request.body)) } catch {
            throw LifelineError(.invalidRequest, "the request body is not a valid activate request")
        }
        let publicKey = try Self.bytes(body.publicKey, "public_key", count: 65)
        let verifier = try Self.bytes(body.pinVerifier, "pin_verifier", count: 32)
        let name = body.name.trimmingCharacters(in: .whitespacesAndNewlines), model = body.model.trimmingCharacters(in: .whitespacesAndNewlines)
        guard (1...64).contains(name.count), (1...64).contains(model.count), !(name + model).contains(where: { $0.isNewline }) else {
            throw LifelineError(.invalidRequest, "name and model must be 1 to 64 characters")
        }
        let refused = LifelineError(.unauthorized, "the activation code is unknown, used or expired, or the request is not signed by the device key")
        let now = clock.now()
        guard request.path == AuthenticatorWire.pathPrefix + "/activate",
              let activation = try await storage.activation(codeHash: AuthenticatorRules.activationCodeHash(body.code)),
              activation.usedAt == nil, activation.expiresAt > now,
              AuthenticatorSignature.verify(signature: request.signature, publicKey: publicKey, method: "POST", path: request.path, body: request.body),
              let tenant = try await storage.tenant(id: activation.tenantID), let user = try await storage.user(id: activation.userID) else {
            throw refused
        }
        let settings = try await settings(tenant.id)
        let linkID = random.uuid()
        var newDevice: AuthenticatorDevice?
        let deviceID: UUID
        if let given = body.deviceID {
            // Why the registered key must sign: whoever holds an activation code must not attach it to someone else's app.
            guard let id = UUID(uuidString: given), let device = try await storage.authenticatorDevice(id: id),
                  ConstantTime.equals(device.publicKey, publicKey) else { throw refused }
            deviceID = id
            guard try await isPIN(verifier, of: device) else {
                let answer = try await wrongPIN(device, tenant: tenant, username: user.username, source: source)
                if answer.result == .pinBlocked { throw LifelineError(.forbidden, "the PIN is blocked: unblock it with an organization's UBC first") }
                throw LifelineError(.forbidden, "wrong PIN (\(answer.attemptsLeft ?? 0) attempt(s) left)")
            }
        } else {
            let pinKey = try Self.bytes(body.pinKey ?? "", "pin_key", count: 32)
            if let reason = weakPINReason(verifier: verifier, length: body.pinLength, pinKey: pinKey, settings: settings) {
                throw LifelineError(.invalidRequest, reason)
            }
            let id = random.uuid()
            deviceID = id
            newDevice = AuthenticatorDevice(id: id, publicKey: publicKey, name: name, model: model,
                                            pinKey: try await vault.seal(pinKey, context: AuthenticatorSealing.pinKeyContext(deviceID: id)),
                                            pinVerifier: try await vault.seal(verifier, context: AuthenticatorSealing.pinVerifierContext(deviceID: id)),
                                            pinLength: body.pinLength, createdAt: now, lastSeenAt: now)
        }
        // Why the server makes the organization key: one per app and organization, so one organization's key (or its
        // database) tells nothing about the codes of another.
        let orgKey = random.bytes(32)
        let link = AuthenticatorLink(id: linkID, deviceID: deviceID, tenantID: tenant.id, userID: user.id,
                                     orgKey: try await vault.seal(orgKey, context: AuthenticatorSealing.orgKeyContext(linkID: linkID, deviceID: deviceID,
                                                                                                                    tenantID: tenant.id)),
                                     createdAt: now)
        let contacts = try await storage.contacts(userID: user.id)
        let notices = try await HelpdeskNotices(vault: vault).authenticatorNotices("authenticator_replaced", user: user, tenant: tenant,
                                                                                   contacts: contacts, now: now)
        let record = AuditRecord(time: now, tenant: tenant.name, actor: Self.actor(deviceID), subject: user.username, event: "authenticator.activate",
                                 outcome: "success", reason: newDevice == nil ? "organization added to an app" : "new app \(name) (\(model))",
                                 source: source)
        let result = try await storage.completeActivation(AuthenticatorEnrolment(activationID: activation.id, newDevice: newDevice, link: link),
                                                          now: now, maxPINFailures: AuthenticatorRules.maxPINFailures,
                                                          outboxIfReplaced: notices, audit: [record])
        switch result {
        case .activationUnusable: throw refused
        case .pinBlocked: throw LifelineError(.forbidden, "the PIN is blocked: unblock it with an organization's UBC first")
        case .done(let replaced):
            if !replaced.isEmpty && !notices.isEmpty { onQueued() }
        }
        return AuthenticatorWire.ActivateResponse(deviceID: deviceID.uuidString.lowercased(), tenant: tenant.name,
                                                  tenantID: AuthenticatorRules.organization(tenant.id), username: user.username,
                                                  orgKey: Data(orgKey).base64EncodedString(), serverTime: Int64(now.timeIntervalSince1970))
    }
}
