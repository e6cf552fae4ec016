import Foundation
import LifelineAuthenticatorKit

extension AuthenticatorService {
    /// An online code: the link must be active and the PIN's verifier right; a wrong one counts toward the 3.
    func codeForApp(_ request: SignedAppRequest, source: String) async throws -> AuthenticatorWire.Answer {
        let (body, device) = try await signed(request, AuthenticatorWire.CodeRequest.self, path: "/code", source: source,
                                              deviceID: { $0.deviceID }, challenge: { $0.challenge })
        let verifier = try Self.bytes(body.pinVerifier, "pin_verifier", count: 32)
        guard let (tenant, link) = try await link(of: device, tenantName: body.tenant) else { return try await answer(.deactivated, device: device.id) }
        // Why no PIN check on a blocked link: a blocked PIN takes no more guesses; only a UBC or an operator reset helps.
        guard link.state == .active else { return try await notActive(link, device: device.id) }
        guard let user = try await storage.user(id: link.userID) else { return try await answer(.deactivated, device: device.id) }
        guard try await isPIN(verifier, of: device) else { return try await wrongPIN(device, tenant: tenant, username: user.username, source: source) }
        let now = clock.now()
        // Why 8 digits from the CSPRNG, hashed, 120 s, single use: the code is typed at a login like an OTP; one
        // outstanding per link (a new one replaces it) so a code left unused is not a second way in.
        let code = random.string(length: AuthenticatorRules.onlineCodeDigits, alphabet: Array("0123456789"))
        let stored = AuthenticatorOnlineCode(linkID: link.id, codeHash: AuthenticatorRules.onlineCodeHash(code, linkID: link.id),
                                             expiresAt: now.addingTimeInterval(AuthenticatorRules.onlineCodeLifetime))
        let issued = try await storage.issueOnlineCode(stored, deviceID: device.id, maxPINFailures: AuthenticatorRules.maxPINFailures, now: now,
                                                       audit: AuditRecord(time: now, tenant: tenant.name, actor: Self.actor(device.id), subject: user.username,
                                                                          event: "authenticator.online_code", outcome: "success", source: source))
        guard issued else {
            // Blocked or replaced between the read and the write: a correct PIN never undoes that.
            let links = try await storage.authenticatorLinks(deviceID: device.id)
            return try await notActive(links.first { $0.id == link.id } ?? link, device: device.id)
        }
        return try await answer(.ok, device: device.id, code: code, expiresIn: Int(AuthenticatorRules.onlineCodeLifetime))
    }

    /// Online unblock: the organization's UBC (3 wrong entries block it) and the new PIN's verifier; sets the PIN,
    /// resets the PIN counter, and unblocks that organization only.
    func unblockApp(_ request: SignedAppRequest, source: String) async throws -> AuthenticatorWire.Answer {
        let (body, device) = try await signed(request, AuthenticatorWire.UnblockRequest.self, path: "/unblock", source: source,
                                              deviceID: { $0.deviceID }, challenge: { $0.challenge })
        let verifier = try Self.bytes(body.pinVerifier, "pin_verifier", count: 32)
        guard let (tenant, link) = try await link(of: device, tenantName: body.tenant), link.state != .deactivated,
              let user = try await storage.user(id: link.userID) else { return try await answer(.deactivated, device: device.id) }
        let now = clock.now()
        guard let ubc = try await storage.authenticatorUBC(tenantID: tenant.id, userID: user.id), ubc.expiresAt > now else {
            return try await answer(.noUBC, device: device.id)
        }
        guard !ubc.blocked else { return try await answer(.ubcBlocked, device: device.id) }
        let actual = try await vault.open(ubc.code, context: AuthenticatorSealing.ubcContext(ubcID: ubc.id, tenantID: tenant.id, userID: user.id))
        guard ConstantTime.equals(actual, Array(body.ubc.utf8)) else {
            let failures = try await storage.countUBCFailure(
                id: ubc.id, maxFailures: AuthenticatorRules.maxUBCFailures, now: now,
                audit: AuditRecord(time: now, tenant: tenant.name, actor: Self.actor(device.id), subject: user.username, event: "authenticator.ubc_wrong",
                                   outcome: "failure", source: source),
                blockAudit: [AuditRecord(time: now, tenant: tenant.name, actor: Self.actor(device.id), subject: user.username,
                                         event: "authenticator.ubc_blocked", outcome: "success", reason: "\(AuthenticatorRules.maxUBCFailures) wrong entries",
                                         source: source)])
            guard let failures else { return try await answer(.noUBC, device: device.id) }
            if failures >= AuthenticatorRules.maxUBCFailures { return try await answer(.ubcBlocked, device: device.id, attemptsLeft: 0) }
            return try await answer(.wrongUBC, device: device.id, attemptsLeft: AuthenticatorRules.maxUBCFailures - failures)
        }
        return try await setNewPIN(.ubc(id: ubc.id), verifier: verifier, length: body.pinLength, device: device, link: link, tenant: tenant,
                                   user: user, event: "authenticator.unblock", source: source, otherwise: .noUBC)
    }

    /// Seed 004's reset: while an operator holds it open for the user, the app sets a new PIN (the operator never sees
    /// it); that organization is unblocked too.
    func resetAppPIN(_ request: SignedAppRequest, source: String) async throws -> AuthenticatorWire.Answer {
        let (body, device) = try await signed(request, AuthenticatorWire.PINResetRequest.self, path: "/pin", source: source,
                                              deviceID: { $0.deviceID }, challenge: { $0.challenge })
        let verifier = try Self.bytes(body.pinVerifier, "pin_verifier", count: 32)
        guard let (tenant, link) = try await link(of: device, tenantName: body.tenant), link.state != .deactivated,
              let user = try await storage.user(id: link.userID) else { return try await answer(.deactivated, device: device.id) }
        guard let reset = try await storage.pinReset(tenantID: tenant.id, userID: user.id), reset.openUntil > clock.now() else {
            return try await answer(.noPINReset, device: device.id)
        }
        return try await setNewPIN(.operatorReset, verifier: verifier, length: body.pinLength, device: device, link: link, tenant: tenant,
                                   user: user, event: "authenticator.pin_reset", source: source, otherwise: .noPINReset)
    }

    /// Checks the new PIN (length, weak) and stores it through ``AuthenticatorStore/setPIN(_:maxUBCFailures:now:outbox:audit:)``.
    func setNewPIN(_ authority: AuthenticatorPINChange.Authority, verifier: [UInt8], length: Int, device: AuthenticatorDevice,
                   link: AuthenticatorLink, tenant: Tenant, user: User, event: String, source: String,
                   otherwise: AuthenticatorWire.Result) async throws -> AuthenticatorWire.Answer {
        let pinKey = try await vault.open(device.pinKey, context: AuthenticatorSealing.pinKeyContext(deviceID: device.id))
        if weakPINReason(verifier: verifier, length: length, pinKey: pinKey, settings: try await settings(tenant.id)) != nil {
            return try await answer(.weakPIN, device: device.id)
        }
        let now = clock.now()
        let change = AuthenticatorPINChange(authority: authority, linkID: link.id, deviceID: device.id,
                                            pinVerifier: try await vault.seal(verifier, context: AuthenticatorSealing.pinVerifierContext(deviceID: device.id)),
                                            pinLength: length)
        let record = AuditRecord(time: now, tenant: tenant.name, actor: Self.actor(device.id), subject: user.username, event: event,
                                 outcome: "success", reason: "new PIN set; this organization unblocked", source: source)
        guard try await storage.setPIN(change, maxUBCFailures: AuthenticatorRules.maxUBCFailures, now: now, outbox: [], audit: [record]) else {
            return try await answer(otherwise, device: device.id)
        }
        return try await answer(.ok, device: device.id)
    }
}
