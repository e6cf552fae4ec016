import Foundation

extension HelpdeskService {
    /// Sends a caller-verification code to the user's verified contact `contactID` (audited as
    /// `helpdesk.caller_code_send`, never the code) and returns the pending verification. The code replaces any earlier
    /// one of this operator for this user. Throws `rateLimited` within 60 seconds of the last send.
    public func sendCallerCode(tenantName: String, username: String, contactID: UUID?, caller: Principal) async throws -> CallerVerification {
        try authorizer.require(.callersVerify, caller)
        let (tenant, user) = try await admin.user(tenantName: tenantName, username: username, caller: caller)
        let contact = try await verifiedContact(contactID, of: user)
        let now = clock.now()
        if let last = try await storage.callerVerification(actor: caller.actor, userID: user.id), last.verifiedUntil == nil,
           now.timeIntervalSince(last.createdAt) < CallerVerification.resendDelay {
            throw LifelineError(.rateLimited, "a code was sent less than a minute ago; wait before sending another")
        }
        // From the CSPRNG, uniform over the digits (rejection sampling).
        let code = admin.random.string(length: CallerVerification.codeLength, alphabet: Array("0123456789"))
        let ring = try await admin.vault.ring()
        let id = admin.random.uuid()
        let verification = CallerVerification(
            id: id, tenantID: tenant.id, userID: user.id, actor: caller.actor, channel: contact.kind == .phone ? .sms : .email,
            maskedRecipient: CallerVerification.mask(contact),
            codeHash: CallerVerification.hash(code: code, id: id, key: ring.derivedKey(info: CallerVerification.keyInfo)),
            keyID: ring.currentID, createdAt: now, expiresAt: now.addingTimeInterval(CallerVerification.codeLifetime))
        let message = try await notices.codeMessage("caller_code", to: contact, user: user, tenant: tenant, args: ["code": code], now: now)
        let audit = AuditRecord(time: now, tenant: tenant.name, actor: caller.actor, subject: user.username, event: "helpdesk.caller_code_send",
                                outcome: "success", reason: "\(verification.channel.rawValue) \(verification.maskedRecipient)", source: caller.source)
        try await storage.putCallerVerification(verification, outbox: [message], audit: audit)
        onQueued()
        return verification
    }

    /// Checks the code the caller read back (audited as `helpdesk.caller_verify`, success or failure). A match marks
    /// the caller verified for this operator and user for 15 minutes. Compared in constant time; at most 5 attempts
    /// per code, counted atomically.
    public func checkCallerCode(tenantName: String, username: String, code: String, caller: Principal) async throws -> CallerCheckResult {
        try authorizer.require(.callersVerify, caller)
        let (tenant, user) = try await admin.user(tenantName: tenantName, username: username, caller: caller)
        let typed = code.filter { $0 != " " && $0 != "-" }
        guard typed.count == CallerVerification.codeLength, typed.allSatisfy({ $0.isASCII && $0.isNumber }) else {
            throw LifelineError(.invalidRequest, "code must be \(CallerVerification.codeLength) digits")
        }
        let now = clock.now()
        guard let pending = try await storage.callerVerification(actor: caller.actor, userID: user.id), pending.verifiedUntil == nil,
              pending.expiresAt > now, pending.attempts < CallerVerification.maxAttempts else { return .refused }
        let ring = try await admin.vault.ring()
        let key = ring.derivedKey(info: CallerVerification.keyInfo, keyID: pending.keyID) ?? ring.derivedKey(info: CallerVerification.keyInfo)
        // Why constant time: the comparison must not tell a guesser how many leading characters of the hash matched.
        let matched = ConstantTime.equals(CallerVerification.hash(code: typed, id: pending.id, key: key), pending.codeHash)
        let until = now.addingTimeInterval(CallerVerification.verifiedFor)
        let audit = AuditRecord(time: now, tenant: tenant.name, actor: caller.actor, subject: user.username, event: "helpdesk.caller_verify",
                                outcome: matched ? "success" : "failure", reason: matched ? "caller verified" : "wrong code", source: caller.source)
        guard let attempts = try await storage.recordCallerAttempt(id: pending.id, matched: matched, now: now, verifiedUntil: until,
                                                                   maxAttempts: CallerVerification.maxAttempts, audit: audit) else {
            return .refused
        }
        return matched ? .verified(until: until) : .wrong(attemptsLeft: max(0, CallerVerification.maxAttempts - attempts))
    }

    /// This operator's verification of the user's caller (pending or verified), or nil.
    public func callerVerification(tenantName: String, username: String, caller: Principal) async throws -> CallerVerification? {
        try authorizer.require(.callersVerify, caller)
        let (_, user) = try await admin.user(tenantName: tenantName, username: username, caller: caller)
        return try await storage.callerVerification(actor: caller.actor, userID: user.id)
    }
}
