import Foundation
import LifelineAuthenticatorKit

extension OfflineService {
    // MARK: the agent API (permission agent.authenticate; the caller is the agent's key)

    /// `POST /api/v1/agent/authenticate`: checks the passcode like `/validate` (the credential registry, guesses counted,
    /// the same throttles and locks; audited `agent.authenticate`) and, on accept, issues the user's offline data for
    /// this machine when the tenant's policy allows it.
    ///
    /// Why `reject` carries nothing else: an unknown user, a disabled one and a wrong passcode must look alike. The
    /// reason for issuing no data (`offlineReason`) is only told after an accepted passcode.
    public func authenticate(_ request: OfflineWire.AuthenticateRequest, caller: Principal) async throws -> OfflineWire.AuthenticateResponse {
        let (agent, tenant) = try await callingAgent(caller)
        try OfflineRules.checkShapes(user: request.user, passcode: request.passcode, machine: request.machine)
        let check = CredentialCheck(subject: .username(request.user), kinds: CredentialRegistry.kinds, input: SubmittedCode(typed: request.passcode),
                                    event: "agent.authenticate")
        let outcome = try await validation.check(check, tenant: tenant, caller: caller)
        guard outcome.result == .accept else { return OfflineWire.AuthenticateResponse(result: "reject") }
        let now = clock.now()
        try await storage.touchAgent(id: agent.id, at: now)
        func accept(_ reason: String) -> OfflineWire.AuthenticateResponse { OfflineWire.AuthenticateResponse(result: "accept", offlineReason: reason) }
        guard let user = try await storage.user(tenantID: tenant.id, username: request.user) else { return accept("offline_not_allowed") }
        let policy = try await storage.recoveryConfig(tenantID: tenant.id)?.offline ?? OfflinePolicy()
        guard policy.covers(username: user.username, groups: try await storage.groups(userID: user.id)) else { return accept("offline_not_allowed") }
        // Only a token's own code tells which tokencodes (and which PIN) the data must verify.
        guard outcome.acceptedBy == .otpToken, let tokenID = outcome.tokenID,
              let stored = try await storage.storedToken(id: tokenID, tenantID: tenant.id) else { return accept("not_a_token") }
        guard stored.token.type == .totp else { return accept("no_time_token") }
        // Why a minimum: the laptop holds a verifier of every future passcode; a short one is searched there in no time.
        guard request.passcode.count >= policy.minPasscodeLength else { return accept("passcode_too_short") }
        let token = stored.token
        // The PIN is the passcode minus its tokencode. Trusted only because the token just accepted exactly this passcode
        // as PIN ‖ tokencode (the agent API has no separate PIN field).
        let pin = stored.pin == nil ? nil : String(request.passcode.dropLast(token.digits))
        // From the step after the one just used: the code just typed must not verify offline again.
        let period = Int64(token.period ?? 30)
        let used = token.lastUsed.map { $0 - token.drift } ?? OfflineConstruction.step(unixTime: Int64(now.timeIntervalSince1970), period: period)
        let issued = try await issue(tenant: tenant, user: user, stored: stored, pin: pin, policy: policy, agent: agent, machine: request.machine,
                                     firstStep: used + 1, now: now, caller: caller)
        try await storage.issueGrant(issued.grant, now: now, audit: issueRecord(caller, tenant: tenant, user: user, agent: agent, grant: issued.grant,
                                                                              policy: policy, event: "offline.issue"))
        if issued.data.emergency != nil { try await storage.markEmergencyDownloaded(tokenID: token.id, at: now) }
        return OfflineWire.AuthenticateResponse(result: "accept", offline: issued.data, refillToken: issued.refillToken)
    }

    /// The audit record of an issued window: which window went to which machine.
    func issueRecord(_ caller: Principal, tenant: Tenant, user: User, agent: Agent, grant: OfflineGrant, policy: OfflinePolicy, event: String) -> AuditRecord {
        record(caller, tenant: tenant.name, subject: user.username, event: event,
               reason: "machine \(grant.machine) agent \(agent.name) days \(policy.days) grant \(grant.id.uuidString.lowercased())")
    }

    /// A window built for `stored`: the grant to record, the data for the agent, and the refill token (shown once).
    struct Issued {
        var grant: OfflineGrant
        var data: OfflineData
        var refillToken: String
    }

    /// Builds a window of the policy's days from `firstStep` for the token `stored` (TOTP) with `pin` (nil: none), and,
    /// when the policy permits them, the token's offline emergency access tokencodes' verifiers.
    func issue(tenant: Tenant, user: User, stored: StoredToken, pin: String?, policy: OfflinePolicy, agent: Agent, machine: String,
               firstStep: Int64, now: Date, caller: Principal) async throws -> Issued {
        let token = stored.token
        let period = token.period ?? 30
        let steps = policy.days * 86_400 / period
        let secret = try await vault.open(stored.secret, context: token.id.uuidString)
        let window = OfflineDataBuilder(random: random).build(secret: secret, algorithm: token.algorithm, digits: token.digits, drift: token.drift,
                                                             pin: pin, firstStep: firstStep, steps: steps)
        let grantID = random.uuid()
        let refill = random.bytes(OfflineRules.refillTokenBytes)
        let end = (firstStep + Int64(steps)) * Int64(period)
        let expiresAt = Date(timeIntervalSince1970: TimeInterval(end))
        var emergency: OfflineEmergencyData? = nil
        if policy.emergencyCodes {
            emergency = try await emergencyData(tenant: tenant, user: user, stored: stored, pin: pin, policy: policy, salt: window.salt,
                                                until: expiresAt, now: now, caller: caller)
        }
        let grant = OfflineGrant(id: grantID, tenantID: tenant.id, userID: user.id, tokenID: token.id, agentID: agent.id, machine: machine,
                                 firstStep: firstStep, steps: steps, period: period, issuedAt: now, expiresAt: expiresAt,
                                 refillHash: OfflineRules.refillHash(refill),
                                 sealedPIN: try pin.map { try OfflineRules.sealPIN($0, refillToken: refill, grantID: grantID) },
                                 tokenFingerprint: OfflineRules.tokenFingerprint(stored), policyFingerprint: policy.fingerprint)
        let data = OfflineData(grantID: grantID.uuidString.lowercased(), tenant: tenant.name, user: user.username, machine: machine, period: period,
                               digits: token.digits, pin: pin != nil, firstStep: firstStep, steps: steps, expiresAt: end,
                               salt: Data(window.salt).base64EncodedString(), hiddenBits: OfflineConstruction.hiddenBits,
                               tags: Data(window.tags).base64EncodedString(), maxFailures: policy.maxFailures, emergency: emergency)
        return Issued(grant: grant, data: data, refillToken: OfflineRules.encodeRefillToken(refill))
    }
}
