import Foundation
import LifelineAuthenticatorKit

extension OfflineService {
    /// `POST /api/v1/agent/refill`: a new window from now for (user, agent, machine), for the refill token of the live
    /// grant, which it spends (a new token comes with the data).
    ///
    /// Why `revoked` for an unknown user, a wrong token and a missing grant alike: the agent only learns to wipe, and
    /// nobody learns whether a username exists. A grant whose token or policy changed since it was issued ends here
    /// ("at the next contact"), even when the change's own revocation did not run (a crash in between).
    public func refill(_ request: OfflineWire.RefillRequest, caller: Principal) async throws -> OfflineWire.AuthenticateResponse {
        let (agent, tenant) = try await callingAgent(caller)
        try OfflineRules.checkShapes(user: request.user, passcode: nil, machine: request.machine)
        guard let presented = OfflineRules.decodeRefillToken(request.refillToken) else {
            throw LifelineError(.invalidRequest, "refill_token must be 43 base64url characters")
        }
        let presentedHash = OfflineRules.refillHash(presented)
        let now = clock.now()
        let revoked = OfflineWire.AuthenticateResponse(result: "revoked", offlineReason: "revoked")
        let user = try await storage.user(tenantID: tenant.id, username: request.user)
        var grant: OfflineGrant? = nil
        if let user { grant = try await storage.liveGrant(tenantID: tenant.id, userID: user.id, agentID: agent.id, machine: request.machine) }
        // Compared in constant time, against a dummy when there is no grant, so the time tells nothing either.
        let matches = ConstantTime.equals(presentedHash, grant?.refillHash ?? [UInt8](repeating: 0, count: 32))
        guard let user, let grant, matches, grant.expiresAt > now else { return revoked }
        try await storage.touchAgent(id: agent.id, at: now)
        func end(_ reason: String) async throws -> OfflineWire.AuthenticateResponse {
            _ = try await storage.endGrant(id: grant.id, reason: reason, now: now,
                                           audit: record(caller, tenant: tenant.name, subject: user.username, event: "offline.end",
                                                         reason: "\(reason) grant \(grant.id.uuidString.lowercased())"))
            return OfflineWire.AuthenticateResponse(result: "revoked", offlineReason: reason)
        }
        let policy = try await storage.recoveryConfig(tenantID: tenant.id)?.offline ?? OfflinePolicy()
        guard user.status == .active else { return try await end("revoked") }
        guard policy.fingerprint == grant.policyFingerprint,
              policy.covers(username: user.username, groups: try await storage.groups(userID: user.id)) else { return try await end("policy_changed") }
        // Why the token must be unchanged, active, unlocked and its PIN unblocked: a token that would refuse its owner
        // online must not keep working on a laptop; a new PIN or a re-enrolment must end the old data.
        guard let stored = try await storage.storedToken(id: grant.tokenID, tenantID: tenant.id), stored.token.state == .active,
              !stored.token.isPINBlocked, OfflineRules.tokenFingerprint(stored) == grant.tokenFingerprint else { return try await end("token_changed") }
        var pin: String? = nil
        if let sealed = grant.sealedPIN {
            guard let opened = OfflineRules.openPIN(sealed, refillToken: presented, grantID: grant.id) else { return try await end("token_changed") }
            pin = opened
        }
        let token = stored.token
        let period = Int64(token.period ?? 30)
        // From now, but never a step the token has already used online.
        var first = OfflineConstruction.step(unixTime: Int64(now.timeIntervalSince1970), period: period)
        if let last = token.lastUsed { first = max(first, last - token.drift + 1) }
        let issued = try await issue(tenant: tenant, user: user, stored: stored, pin: pin, policy: policy, agent: agent, machine: request.machine,
                                     firstStep: first, now: now, caller: caller)
        guard try await storage.refillGrant(oldID: grant.id, presentedRefillHash: presentedHash, new: issued.grant, now: now,
                                            audit: issueRecord(caller, tenant: tenant, user: user, agent: agent, grant: issued.grant, policy: policy,
                                                               event: "offline.refill")) else { return revoked }
        if issued.data.emergency != nil { try await storage.markEmergencyDownloaded(tokenID: token.id, at: now) }
        return OfflineWire.AuthenticateResponse(result: "refilled", offline: issued.data, refillToken: issued.refillToken)
    }
}
