import Foundation

/// The result an administrator may see of checking a code; the anonymous validation API only ever sees
/// accept or reject.
public enum CheckResult: String, Sendable, Codable {
    case accept, reject
    case resyncNeeded = "resync_needed"
    case locked, disabled, replay
}

/// Validates one-time codes for login systems: finds the user's tokens, checks the code under the OTP rules,
/// records the accept atomically (single use) or the failure, and audits either way.
public struct ValidationService: Sendable {
    let storage: any LifelineStorage
    let vault: any KeyVault
    let clock: any LifelineClock
    let verifier: OTPVerifier
    /// A fixed dummy secret used for unknown users so that they cost the same HMAC work as real ones.
    private let decoySecret: [UInt8] = Array(repeating: 0x5a, count: 20)

    public init(storage: any LifelineStorage, vault: any KeyVault, clock: any LifelineClock, policy: OTPPolicy) {
        self.storage = storage; self.vault = vault; self.clock = clock; self.verifier = OTPVerifier(policy: policy)
    }

    /// Validates `code` for `username` of `tenantName`. Returns only accept/reject to the caller; the reason is
    /// audited. Why one answer for every failure: telling "unknown user" from "wrong code" would let anyone
    /// with a validate key enumerate usernames and probe token states.
    ///
    /// `code` is an OTP or the user's emergency access code (docs/emergency-codes.md), which is accepted in place of
    /// the OTP while it is usable — also when the user's tokens are locked or the user has none.
    public func validate(tenantName: String, username: String, code: String, caller: Caller) async throws -> Bool {
        let submitted = try Validation.validationCode(code)
        // Why checked here: the username of a failed validation is audited, and a name no user can have must not
        // write an unbounded subject into the audit log.
        let username = try Validation.username(username)
        let tenant = try await storage.tenant(named: tenantName)
        // A tenant-scoped key may name only its own tenant; an unknown tenant is "another" tenant too.
        if caller.tenantID != nil, tenant.map({ !caller.mayAccess($0.id) }) ?? true {
            throw LifelineError(.forbidden, "this API key is limited to another tenant")
        }
        let result = try await check(tenant: tenant, username: username, code: submitted.otp ?? "", caller: caller, event: "validate",
                                     emergencyCode: submitted.emergency)
        return result == .accept
    }

    /// The admin diagnostic: checks `code` against the one token `tokenID` of the tenant (consuming it like a
    /// validation) and returns the detailed result, which only an administrator may see.
    public func checkToken(tenant: Tenant, tokenID: UUID, code: String, caller: Caller) async throws -> CheckResult {
        _ = try Validation.otpCode(code)
        guard let stored = try await storage.storedToken(id: tokenID, tenantID: tenant.id),
              let user = try await storage.user(id: stored.token.userID) else {
            throw LifelineError(.notFound, "no such token")
        }
        return try await check(tenant: tenant, username: user.username, code: code, caller: caller, event: "token.check", onlyToken: tokenID)
    }

    /// Checks a code and records the outcome; `tenant` nil means unknown tenant. `onlyToken` limits the check to
    /// one token of the user (the admin diagnostic); otherwise every token of the user is tried.
    ///
    /// `countFailures` false (recovery flows) audits a failure without adding to the tokens' fail counters.
    ///
    /// `emergencyCode` (normalized; only `validate` passes one) is tried when no token accepted `code`; `code` is then
    /// "" when the input cannot be an OTP (it matches no token and counts as a wrong code on them).
    func check(tenant: Tenant?, username: String, code: String, caller: Caller, event: String, onlyToken: UUID? = nil,
               countFailures: Bool = true, emergencyCode: String? = nil) async throws -> CheckResult {
        let now = clock.now()
        let unix = Int64(now.timeIntervalSince1970.rounded(.down))
        func audit(_ outcome: String, _ reason: String) -> AuditRecord {
            AuditRecord(time: now, tenant: tenant?.name, actor: caller.actor, subject: username, event: event,
                        outcome: outcome, reason: reason, source: caller.source)
        }
        guard let tenant, let (user, tokens) = try await storage.userAndTokens(tenantID: tenant.id, username: username) else {
            _ = decoyWork(code: code, unix: unix)
            if let emergencyCode { _ = try await matchEmergencyCode(emergencyCode, tenantID: tenant?.id, userID: nil, now: now) }
            try await storage.append(audit("reject", tenant == nil ? "unknown tenant" : "unknown user"))
            return .reject
        }
        guard user.status == .active else {
            _ = decoyWork(code: code, unix: unix)
            if let emergencyCode { _ = try await matchEmergencyCode(emergencyCode, tenantID: tenant.id, userID: nil, now: now) }
            try await storage.append(audit("reject", "user disabled"))
            return .reject
        }
        let stored = tokens.filter { onlyToken == nil || $0.token.id == onlyToken }
        var sawReplay = false, sawResync = false, sawLocked = false, sawDisabled = false
        var failed: [UUID] = []
        for entry in stored {
            let token = entry.token
            switch token.state {
            case .locked: sawLocked = true; continue
            case .disabled: sawDisabled = true; continue
            case .active: break
            }
            let secret = try await vault.open(entry.secret, context: token.id.uuidString)
            switch verifier.check(code: code, token: token, secret: secret, unixTime: unix) {
            case .accept(let step, let drift):
                if try await storage.consume(tokenID: token.id, step: step, drift: drift,
                                             audit: audit("accept", "token \(token.id.uuidString.lowercased())")) {
                    return .accept
                }
                // Lost the race to a concurrent request with the same code: a replay.
                sawReplay = true
            case .replay: sawReplay = true; failed.append(token.id)
            case .resyncNeeded: sawResync = true; failed.append(token.id)
            case .reject: failed.append(token.id)
            }
        }
        if stored.isEmpty { _ = decoyWork(code: code, unix: unix) }
        // The emergency code, after the tokens: it stands in for them, also when they are locked or missing.
        var emergencyReason: String? = nil
        var emergencyUsable = false
        if let emergencyCode {
            switch try await matchEmergencyCode(emergencyCode, tenantID: tenant.id, userID: user.id, now: now) {
            case .usable(let hash):
                if try await storage.useEmergencyCode(userID: user.id, hash: hash, now: now, audit: audit("accept", "emergency code")) {
                    return .accept
                }
                // Lost the race for the last use to a concurrent request (or it was revoked meanwhile).
                emergencyReason = "emergency code used_up (concurrent use)"
            case .unusable(let status):
                emergencyReason = "emergency code \(status.rawValue)"
            case .none(let usable):
                emergencyUsable = usable
            }
        }
        if let emergencyReason {
            // Why not counted as a failure: the submitter knows the (former) code, so this is no guess; counting it
            // would let a user lock their own token by re-typing an old code.
            try await storage.append(audit("reject", emergencyReason))
            return .reject
        }
        let result: CheckResult
        let reason: String
        if sawReplay { result = .replay; reason = "replayed code" }
        else if sawResync { result = .resyncNeeded; reason = "code matches outside the window: resync needed" }
        else if failed.isEmpty && sawLocked { result = .locked; reason = "token locked" }
        else if failed.isEmpty && sawDisabled { result = .disabled; reason = "token disabled" }
        else if stored.isEmpty { result = .reject; reason = "no token" }
        else { result = .reject; reason = "wrong code" }
        // Why count every failure against all checked tokens: otherwise an attacker could spread guesses over
        // a user's tokens and multiply the attempts allowed before lockout.
        // Why a wrong code also counts against a usable emergency code (revoked at max_fail): the code works even when
        // the tokens are locked, so without a limit of its own it could be guessed for as long as it lives.
        if emergencyUsable && countFailures {
            try await storage.recordFailure(tokenIDs: failed, emergencyCodeOf: user.id, now: now, maxFailures: verifier.policy.maxFail,
                                            audit: audit("reject", reason))
        } else if failed.isEmpty || !countFailures {
            try await storage.append(audit("reject", reason))
        } else {
            try await storage.recordFailure(tokenIDs: failed, audit: audit("reject", reason))
        }
        return result
    }

    /// The HMAC work of checking a TOTP window, on a decoy secret (none for a code that cannot be an OTP: a token
    /// would not compute one for it either).
    private func decoyWork(code: String, unix: Int64) -> Bool {
        guard (6...8).contains(code.utf8.count) else { return false }
        let token = Token(id: UUID(uuid: UUID_NULL_BYTES), tenantID: UUID(uuid: UUID_NULL_BYTES), userID: UUID(uuid: UUID_NULL_BYTES),
                          type: .totp, algorithm: .sha1, digits: code.utf8.count, period: 30, createdAt: Date(timeIntervalSince1970: 0))
        return verifier.check(code: code, token: token, secret: decoySecret, unixTime: unix) == .reject
    }
}

private let UUID_NULL_BYTES: uuid_t = (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
