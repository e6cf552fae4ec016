import Foundation

/// The result an administrator may see of checking a code; the anonymous validation API only ever sees
/// accept or reject.
public enum CheckResult: String, Sendable, Codable {
    case accept, reject
    case resyncNeeded = "resync_needed"
    case locked, disabled, replay
    /// Every checked token is throttled after consecutive failures: the code was refused without being checked.
    case throttled
}

/// The outcome of the recovery flow's authenticator step (``ValidationService/checkRecoveryTOTP(tenant:userID:username:code:caller:)``).
public enum RecoveryTOTPResult: Sendable, Equatable {
    case accepted, resyncNeeded, rejected
    /// The user's TOTP tokens are locked (none was checked).
    case locked
    /// The user's TOTP tokens are throttled until then (none was checked).
    case throttled(until: Date)
}

/// Validates one-time codes for login systems: finds the user's tokens, checks the code under the OTP rules,
/// records the accept atomically (single use) or the failure, and audits either way.
public struct ValidationService: Sendable {
    let storage: any Storage
    let vault: any KeyVault
    let clock: any LifelineClock
    let verifier: OTPVerifier
    /// A fixed dummy secret used for unknown users so that they cost the same HMAC work as real ones.
    private let decoySecret: [UInt8] = Array(repeating: 0x5a, count: 20)

    public init(storage: any Storage, vault: any KeyVault, clock: any LifelineClock, policy: OTPPolicy) {
        self.storage = storage; self.vault = vault; self.clock = clock; self.verifier = OTPVerifier(policy: policy)
    }

    /// Validates `code` for `username` of `tenantName`. Returns only accept/reject to the caller; the reason is
    /// audited. Why one answer for every failure: telling "unknown user" from "wrong code" would let anyone
    /// with a validate key enumerate usernames and probe token states.
    ///
    /// `code` is an OTP or the user's emergency access code (docs/emergency-codes.md), which is accepted in place of
    /// the OTP while it is usable — also when the user's tokens are locked or the user has none.
    public func validate(tenantName: String, username: String, code: String, caller: Caller) async throws -> Bool {
        try Authorizer().require(.validate, caller)
        let submitted = try Validation.validationCode(code)
        // Why checked here: the username of a failed validation is audited, and a name no user can have must not
        // write an unbounded subject into the audit log.
        let username = try Validation.username(username)
        let tenant = try await storage.tenant(named: tenantName)
        // A tenant-scoped key may name only its own tenant; an unknown tenant is "another" tenant too.
        try Authorizer().requireScope(caller, tenant: tenant)
        let result = try await check(tenant: tenant, username: username, code: submitted.otp ?? "", caller: caller, event: "validate",
                                     emergencyCode: submitted.emergency)
        return result == .accept
    }

    /// The admin diagnostic: checks `code` against the one token `tokenID` of the tenant (consuming it like a
    /// validation) and returns the detailed result, which only an administrator may see.
    public func checkToken(tenant: Tenant, tokenID: UUID, code: String, caller: Caller) async throws -> CheckResult {
        try Authorizer().require(.tokensCheck, caller)
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
    /// `emergencyCode` (normalized; only `validate` passes one) is tried when no token accepted `code`; `code` is then
    /// "" when the input cannot be an OTP.
    func check(tenant: Tenant?, username: String, code: String, caller: Caller, event: String, onlyToken: UUID? = nil,
               emergencyCode: String? = nil) async throws -> CheckResult {
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
        let checked = try await checkTokens(stored, code: code, now: now, unix: unix) { audit("accept", $0) }
        if checked.accepted { return .accept }
        // The same HMAC work when no token was checked (none, or all locked, disabled or throttled).
        if !checked.checkedAny { _ = decoyWork(code: code, unix: unix) }
        // The emergency code, after the tokens: it stands in for them, also when they are locked, throttled or missing.
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
        let (result, reason) = checked.result(noTokens: stored.isEmpty)
        // Why a wrong input counts either on the tokens or on the emergency code, never both: an input that can be an
        // OTP of a token that checks it (its length) is a guess at that token and counts there (throttle, lock); one
        // that cannot is a guess at the emergency code and counts on it (revoked at max_fail). So wrong OTPs never
        // revoke the code (issue 13 item 3), and guesses at the code never throttle or lock the tokens.
        // "A token that checks it": active and not throttled; otherwise (all locked or throttled) the input counts on the
        // code, so no input that could match something goes uncounted.
        let couldBeOTP = !code.isEmpty && tokens.contains {
            $0.token.state == .active && !$0.token.isThrottled(at: now) && $0.token.digits == code.utf8.count
        }
        if emergencyUsable && emergencyCode != nil && !couldBeOTP {
            try await storage.recordEmergencyCodeFailure(userID: user.id, now: now, maxFailures: verifier.policy.maxFail, audit: audit("reject", reason))
        } else if checked.failures.isEmpty {
            try await storage.append(audit("reject", reason))
        } else {
            try await storage.recordFailure(checked.failures, audit: audit("reject", reason))
        }
        return result
    }

    /// The recovery flow's authenticator step: checks `code` against the user's TOTP tokens only, found by the user's
    /// id (`userID` nil: a decoy flow, which does the same HMAC work on a dummy secret and is rejected).
    ///
    /// Why not ``check(tenant:username:code:caller:event:onlyToken:emergencyCode:)``: the step asks for the
    /// authenticator app, so an HOTP token (or another user who took the name meanwhile) must not pass it. Why wrong
    /// codes here count on no token: the recovery API needs no credential, so anyone who knows a username could
    /// otherwise throttle and lock the user's authenticator; guesses in flows are bounded by the flows' own limits.
    /// A throttled or locked token is not checked here either, and says so (the flow decides what to show).
    public func checkRecoveryTOTP(tenant: Tenant, userID: UUID?, username: String, code: String, caller: Caller) async throws -> RecoveryTOTPResult {
        let now = clock.now()
        let unix = Int64(now.timeIntervalSince1970.rounded(.down))
        func audit(_ outcome: String, _ reason: String) -> AuditRecord {
            AuditRecord(time: now, tenant: tenant.name, actor: caller.actor, subject: username, event: "recovery.totp",
                        outcome: outcome, reason: reason, source: caller.source)
        }
        var tokens: [StoredToken] = []
        if let userID, let user = try await storage.user(id: userID), user.status == .active, user.tenantID == tenant.id {
            tokens = try await storage.storedTokens(userID: userID).filter { $0.token.type == .totp }
        }
        let checked = try await checkTokens(tokens, code: code, now: now, unix: unix) { audit("accept", $0) }
        if checked.accepted { return .accepted }
        // The same HMAC work when no token was checked (none, or all locked or throttled), so timing does not tell.
        if !checked.checkedAny { _ = decoyWork(code: code, unix: unix) }
        let (result, reason) = checked.result(noTokens: tokens.isEmpty)
        try await storage.append(audit("reject", reason))
        switch result {
        case .resyncNeeded: return .resyncNeeded
        case .locked: return .locked
        case .throttled: return .throttled(until: checked.throttledUntil ?? now)
        default: return .rejected
        }
    }

    /// What checking a code against a user's tokens found.
    struct TokenCheck {
        var accepted = false
        /// Whether the code was checked against at least one token (HMAC work was done).
        var checkedAny = false
        var sawReplay = false, sawResync = false, sawLocked = false, sawDisabled = false
        /// The earliest end of a throttle among the tokens skipped for it (nil: none was throttled).
        var throttledUntil: Date? = nil
        /// The failures to record (tokens the code was checked against and did not match).
        var failures: [TokenFailure] = []

        /// The detailed result and the audit reason, when nothing was accepted.
        func result(noTokens: Bool) -> (CheckResult, String) {
            if sawReplay { return (.replay, "replayed code") }
            if sawResync { return (.resyncNeeded, "code matches outside the window: resync needed") }
            if failures.isEmpty && sawLocked { return (.locked, "token locked") }
            if failures.isEmpty, let until = throttledUntil { return (.throttled, "token throttled until \(until.formatted(.iso8601))") }
            if failures.isEmpty && sawDisabled { return (.disabled, "token disabled") }
            if noTokens { return (.reject, "no token") }
            return (.reject, "wrong code")
        }
    }

    /// Checks `code` against `stored` and consumes it on the token that accepts it (whose accept record `acceptAudit`
    /// makes from the reason). Locked, disabled and throttled tokens are skipped unchecked; a token whose length the
    /// code does not have gets no failure (the input is no guess at it).
    func checkTokens(_ stored: [StoredToken], code: String, now: Date, unix: Int64,
                     acceptAudit: (String) -> AuditRecord) async throws -> TokenCheck {
        var out = TokenCheck()
        for entry in stored {
            let token = entry.token
            switch token.state {
            case .locked: out.sawLocked = true; continue
            case .disabled: out.sawDisabled = true; continue
            case .active: break
            }
            // Why unchecked: a throttled token accepts nothing, so checking would give a guesser nothing but time;
            // and the refusal is not counted, so waiting out the delay is all a legitimate user has to do.
            if token.isThrottled(at: now), let until = token.throttledUntil {
                out.throttledUntil = min(out.throttledUntil ?? until, until)
                continue
            }
            let secret = try await vault.open(entry.secret, context: token.id.uuidString)
            out.checkedAny = true
            switch verifier.check(code: code, token: token, secret: secret, unixTime: unix) {
            case .accept(let step, let drift):
                if try await storage.consume(tokenID: token.id, step: step, drift: drift, seenFailCount: token.failCount, now: now,
                                             audit: acceptAudit("token \(token.id.uuidString.lowercased())")) {
                    out.accepted = true
                    return out
                }
                // Lost the race to a concurrent request with the same code (or a failure recorded meanwhile): a replay.
                out.sawReplay = true
            case .replay:
                // Refused but not counted (issue 13 item 2): a replay is a code the user just used, not a guess; counting
                // it let 19 racing replays of one valid code lock the token. A guess hits a used step with odds of about
                // 2/10^6, so leaving these uncounted gives a guesser nothing.
                out.sawReplay = true
            case .resyncNeeded: out.sawResync = true; out.failures.append(failure(of: token, now: now))
            case .reject:
                // Why every checked token counts: otherwise an attacker could spread guesses over a user's tokens and
                // multiply the attempts allowed.
                if code.utf8.count == token.digits { out.failures.append(failure(of: token, now: now)) }
            }
        }
        return out
    }

    /// One more consecutive failure on `token`: the throttle it starts and whether it locks (NIST SP 800-63B-4 §3.2.2).
    func failure(of token: Token, now: Date) -> TokenFailure {
        let failures = token.failCount.addingReportingOverflow(1).overflow ? Int.max : token.failCount + 1
        let delay = verifier.policy.throttleDelay(afterFailures: failures)
        let limit = min(max(token.maxFail, 1), OTPPolicy.maxFailLimit)
        return TokenFailure(tokenID: token.id, seenFailCount: token.failCount,
                            throttledUntil: delay.map { now.addingTimeInterval(TimeInterval($0)) } ?? token.throttledUntil,
                            lock: failures >= limit)
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
