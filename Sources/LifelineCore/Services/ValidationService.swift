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

/// Validates one-time codes for login systems and the recovery flow: resolves the user, tries the registered credential
/// types in order (``CredentialRegistry``: OTP tokens, recovery codes, the emergency code), lets the one that accepts
/// consume the input atomically (single use), counts a wrong input on at most one credential, and audits either way.
public struct ValidationService: Sendable {
    let storage: any Storage
    let clock: any LifelineClock
    let verifier: OTPVerifier
    let registry: CredentialRegistry
    /// Told of codes refused by a throttle or lock, and of lockouts (metrics and warnings; ``OperationsObserver``).
    public var observer: any OperationsObserver = NoOperationsObserver()

    /// `hashPool` runs the recovery codes' slow hashes (nil: ``SlowHashPool/shared`` as it is at each use, so a pool the
    /// composition root configures after making this service is the one used); `onQueued` is called after a notice was
    /// queued in the outbox.
    public init(storage: any Storage, vault: any KeyVault, clock: any LifelineClock, policy: OTPPolicy,
                hashPool: SlowHashPool? = nil, onQueued: @escaping @Sendable () -> Void = {}) {
        self.storage = storage; self.clock = clock; self.verifier = OTPVerifier(policy: policy)
        self.registry = CredentialRegistry(CredentialDependencies(storage: storage, vault: vault, verifier: verifier,
                                                                  hashPool: { hashPool ?? .shared }, onQueued: onQueued))
    }

    /// Validates `code` for `username` of `tenantName`. Returns only accept/reject to the caller; the reason is
    /// audited. Why one answer for every failure: telling "unknown user" from "wrong code" would let anyone
    /// with a validate key enumerate usernames and probe token states.
    ///
    /// `code` is an OTP, one of the user's saved recovery codes (docs/recovery-codes.md) or the user's emergency access
    /// code (docs/emergency-codes.md); the last two are accepted in place of the OTP while usable — also when the user's
    /// tokens are locked or the user has none.
    ///
    /// For a token with a PIN (``TokenPIN``, the privacyIDEA convention) `code` is PIN ‖ OTP, or the OTP with the PIN in
    /// `pin` (4–8 digits; another form is refused with 400 before any lookup, the same for every user).
    public func validate(tenantName: String, username: String, code: String, pin: String? = nil, caller: Caller) async throws -> Bool {
        try Authorizer().require(.validate, caller)
        let submitted = try Validation.validationCode(code)
        if let pin, !TokenPIN.isWellFormed(pin) { throw LifelineError(.invalidRequest, "pin must be 4 to 8 digits") }
        // Why checked here: the username of a failed validation is audited, and a name no user can have must not
        // write an unbounded subject into the audit log.
        let username = try Validation.username(username)
        let tenant = try await storage.tenant(named: tenantName)
        // A tenant-scoped key may name only its own tenant; an unknown tenant is "another" tenant too.
        try Authorizer().requireScope(caller, tenant: tenant)
        let request = CredentialCheck(subject: .username(username), kinds: CredentialRegistry.kinds,
                                      input: submitted, event: "validate", pin: pin)
        return try await check(request, tenant: tenant, caller: caller).result == .accept
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
        let request = CredentialCheck(subject: .username(user.username), kinds: [.otpToken], input: SubmittedCode(.otpToken, code),
                                      tokens: .only(tokenID), event: "token.check")
        return try await check(request, tenant: tenant, caller: caller).result
    }

    /// The recovery flow's authenticator step: checks `code` against the user's TOTP tokens only, found by the user's
    /// id (`userID` nil: a decoy flow, which does the same HMAC work on a dummy secret and is rejected).
    ///
    /// Why TOTP only and by id: the step asks for the authenticator app, so an HOTP token (or another user who took the
    /// name meanwhile) must not pass it. Why wrong codes here count on no token: see ``CredentialCheck/Guesses/uncounted``.
    /// A throttled or locked token is not checked here either, and says so (the flow decides what to show).
    public func checkRecoveryTOTP(tenant: Tenant, userID: UUID?, username: String, code: String, caller: Caller) async throws -> RecoveryTOTPResult {
        let request = CredentialCheck(subject: .flowUser(userID, username: username), kinds: [.otpToken],
                                      input: SubmittedCode(.otpToken, code), tokens: .totp, guesses: .uncounted, event: "recovery.totp")
        let outcome = try await check(request, tenant: tenant, caller: caller)
        switch outcome.result {
        case .accept: return .accepted
        case .resyncNeeded: return .resyncNeeded
        case .locked: return .locked
        case .throttled: return .throttled(until: outcome.throttledUntil ?? clock.now())
        default: return .rejected
        }
    }

    /// Checks `request` for a user of `tenant` (nil: an unknown tenant) and records the outcome: the loop over the
    /// registered credential types. The first type that accepts consumes the input (and writes the accept's audit
    /// record); a type that knows the input but cannot take it (used, revoked) ends the check uncounted; otherwise the
    /// wrong input counts on the first type that claims it as a guess, when the request counts guesses.
    ///
    /// Why a wrong input counts on one credential only (issue 13 item 3): an input that can be an OTP of a token that
    /// checks it is a guess at the tokens (throttle, lock); one that cannot is a guess at a recovery code or the
    /// emergency code (revoked at max_fail). So wrong OTPs never revoke the codes, and guesses at the codes never
    /// throttle or lock the tokens.
    public func check(_ request: CredentialCheck, tenant: Tenant?, caller: Caller) async throws -> CredentialOutcome {
        let now = clock.now()
        let subjectName: String
        switch request.subject {
        case .username(let name): subjectName = name
        case .flowUser(_, let name): subjectName = name
        }
        let audit: @Sendable (String, String) -> AuditRecord = { outcome, reason in
            AuditRecord(time: now, tenant: tenant?.name, actor: caller.actor, subject: subjectName, event: request.event,
                        outcome: outcome, reason: reason, source: caller.source)
        }
        let (user, allTokens, unknownReason) = try await resolve(request.subject, tenant: tenant)
        let tokens: [StoredToken]
        switch request.tokens {
        case .all: tokens = allTokens
        case .only(let id): tokens = allTokens.filter { $0.token.id == id }
        case .totp: tokens = allTokens.filter { $0.token.type == .totp }
        }
        let attempt = CredentialAttempt(request: request, tenant: tenant, user: user, tokens: tokens,
                                        allTokens: request.tokens == .totp ? tokens : allTokens, now: now, audit: audit)
        var first: CredentialMiss? = nil
        var claimed: CredentialMiss? = nil
        for type in registry.types where request.kinds.contains(type.kind) {
            switch try await type.check(attempt) {
            case .accepted(_, let tokenID):
                return CredentialOutcome(result: .accept, reason: "accepted", acceptedBy: type.kind, tokenID: tokenID)
            case .refused(let reason):
                try await storage.append(audit("reject", reason))
                return CredentialOutcome(result: .reject, reason: reason)
            case .miss(let miss):
                if first == nil, miss.applies { first = miss }
                if claimed == nil, miss.guess != nil { claimed = miss }
            }
        }
        if let unknownReason {
            try await storage.append(audit("reject", unknownReason))
            return CredentialOutcome(result: .reject, reason: unknownReason)
        }
        var miss = first ?? CredentialMiss(reason: "wrong code")
        // The audited reason of a counted guess is the type's that counts it (a wrong PIN of the authenticator app, a
        // wrong unblock code), when the first type only found no match.
        if let claimed, miss.result == .reject { miss.reason = claimed.reason }
        let record = audit("reject", miss.reason)
        if request.guesses == .counted, let guess = claimed?.guess {
            try await guess(record)
            for id in claimed?.locks ?? [] {
                observer.observe(.limit(.tokenLockout, tenant: tenant?.name, subject: id.uuidString.lowercased(), until: nil))
            }
        } else {
            try await storage.append(record)
        }
        if miss.result == .throttled || miss.result == .locked {
            observer.observe(.limit(miss.result == .locked ? .tokenLocked : .tokenThrottled, tenant: tenant?.name,
                                    subject: user?.id.uuidString.lowercased(), until: miss.throttledUntil))
        }
        return CredentialOutcome(result: miss.result, reason: miss.reason, throttledUntil: miss.throttledUntil)
    }

    /// The active user the subject names, with their tokens; nil with the audited reason when there is none (a flow's
    /// user that is gone or disabled gets no reason of its own: its step reads "no token", as a decoy flow's does).
    private func resolve(_ subject: CredentialCheck.Subject, tenant: Tenant?) async throws -> (User?, [StoredToken], String?) {
        switch subject {
        case .username(let username):
            guard let tenant, let (user, tokens) = try await storage.userAndTokens(tenantID: tenant.id, username: username) else {
                return (nil, [], tenant == nil ? "unknown tenant" : "unknown user")
            }
            guard user.status == .active else { return (nil, [], "user disabled") }
            return (user, tokens, nil)
        case .flowUser(let userID, _):
            guard let userID, let tenant, let user = try await storage.user(id: userID), user.status == .active,
                  user.tenantID == tenant.id else { return (nil, [], nil) }
            return (user, try await storage.storedTokens(userID: userID), nil)
        }
    }
}
