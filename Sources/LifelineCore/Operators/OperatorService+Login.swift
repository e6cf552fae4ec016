import Foundation

/// A successful login: the operator, its new session and the session's token for the cookie (shown only now).
public struct OperatorLogin: Sendable {
    public var op: Operator
    public var session: OperatorSession
    public var token: String
}

extension OperatorService {
    /// The one answer to every failed login. Why one: telling "no such operator", "wrong password", "wrong code",
    /// "disabled" or "throttled" apart would let anyone enumerate operator names and probe their state.
    public static let loginRefused = LifelineError(.unauthorized, "the name, password or code is wrong, or too many attempts were made: wait a minute and try again")

    /// Logs in with name, password and TOTP code — always all three (issue 15: no way around the second factor).
    ///
    /// - No enumeration: an unknown, pending, disabled or throttled operator costs the same slow hash as a real check,
    ///   and every failure is ``loginRefused``.
    /// - Throttling as validation: consecutive failures (a wrong password or a wrong code) throttle the operator with
    ///   ``OTPPolicy/throttleDelay(afterFailures:)`` (3 free, then 30 s doubling to an hour); a throttled operator is
    ///   refused unchecked and uncounted, so waiting is all the real operator has to do.
    /// - Single use: the accepted TOTP step is stored in the same atomic statement that opens the session, so a code
    ///   seen over a shoulder cannot open a second session.
    public func login(name: String, password: String, code: String, source: String, userAgent: String) async throws -> OperatorLogin {
        let now = clock.now()
        let validName = try? OperatorRules.name(name)
        var found: Operator? = nil
        if let validName { found = try await storage.operatorRecord(named: validName) }
        let subject = "operator:" + (validName ?? "?")
        func refuse(_ reason: String, tenants: [String] = []) async throws -> Never {
            try await storage.append(AuditRecord(time: now, tenant: tenants.count == 1 ? tenants[0] : nil, actor: "anonymous", subject: subject,
                                                 event: "operator.login", outcome: "failure", reason: reason, source: source))
            throw Self.loginRefused
        }
        // Bounded before any work: a megabyte "password" must not reach scrypt.
        guard password.utf8.count <= 1024 else { try await refuse("password too long") }
        guard let op = found, op.state == .active, !op.isThrottled(at: now), let hash = op.passwordHash, let sealed = op.totpSecret else {
            // The same slow hash as a real check, so the answer's timing does not tell.
            _ = try await SlowHash.offloaded { SlowHash.decoyVerify(password) }
            let reason = found == nil ? "unknown operator" : found!.isThrottled(at: now) ? "throttled" : "operator \(found!.state.rawValue)"
            var tenants: [String] = []
            if let found { tenants = try await tenantNames(found) }
            try await refuse(reason, tenants: tenants)
        }
        let tenants = try await tenantNames(op)
        let passwordOK = try await SlowHash.offloaded { SlowHash.verify(password, against: hash) }
        let secret = try await vault.open(sealed, context: op.secretContext)
        let match = verifier.check(code: code, token: op.totpToken(), secret: secret, unixTime: Int64(now.timeIntervalSince1970.rounded(.down)))
        if passwordOK, case .accept(let step, _) = match {
            let token = OperatorRules.newToken(random)
            let session = OperatorSession(id: random.uuid(), tokenHash: OperatorSession.hash(token: token), operatorID: op.id, createdAt: now,
                                          lastSeenAt: now, source: source, userAgent: String(decoding: userAgent.utf8.prefix(256), as: UTF8.self))
            let record = AuditRecord(time: now, tenant: tenants.count == 1 ? tenants[0] : nil, actor: "operator:\(op.name)", subject: subject,
                                     event: "operator.login", outcome: "success", reason: "", source: source)
            try await storage.deleteExpiredSessions(operatorID: op.id, now: now)
            if try await storage.startSession(session, step: step, seenFailCount: op.failCount, now: now, audit: record) {
                return OperatorLogin(op: op, session: session, token: token)
            }
            // Lost to a concurrent login with the same code, or a failure was recorded meanwhile.
            try await refuse("replayed code", tenants: tenants)
        }
        // A replayed code with the right password is the real operator's double submit, not a guess: uncounted (as tokens).
        if passwordOK, match == .replay { try await refuse("replayed code", tenants: tenants) }
        let failures = op.failCount.addingReportingOverflow(1).overflow ? Int.max : op.failCount + 1
        let until = verifier.policy.throttleDelay(afterFailures: failures).map { now.addingTimeInterval(TimeInterval($0)) } ?? op.throttledUntil
        let reason = passwordOK ? "wrong code" : "wrong password"
        try await storage.recordOperatorFailure(
            operatorID: op.id, seenFailCount: op.failCount, throttledUntil: until,
            audit: AuditRecord(time: now, tenant: tenants.count == 1 ? tenants[0] : nil, actor: "anonymous", subject: subject,
                               event: "operator.login", outcome: "failure", reason: reason, source: source))
        throw Self.loginRefused
    }

    /// The live session of a cookie's token and its operator, or nil: unknown token, session over (15 min idle or 8 h
    /// since login; it is deleted), or operator no longer active. Slides the idle timeout (``OperatorSession/touchGranularity``).
    public func session(token: String) async throws -> (op: Operator, session: OperatorSession)? {
        guard OperatorRules.isWellFormedToken(token), var session = try await storage.session(tokenHash: OperatorSession.hash(token: token)) else { return nil }
        let now = clock.now()
        if session.isExpired(at: now) {
            _ = try await storage.deleteSession(id: session.id, operatorID: session.operatorID, audit: nil)
            return nil
        }
        // Why re-read the operator on every request: a disabled operator or a changed role must take effect at once.
        guard let op = try await storage.operatorRecord(id: session.operatorID), op.state == .active else { return nil }
        if now.timeIntervalSince(session.lastSeenAt) >= OperatorSession.touchGranularity {
            try await storage.touchSession(id: session.id, at: now)
            session.lastSeenAt = now
        }
        return (op, session)
    }

    /// The operator's own sessions that are still live, newest first.
    public func sessions(of op: Operator) async throws -> [OperatorSession] {
        let now = clock.now()
        return try await storage.sessions(operatorID: op.id).filter { !$0.isExpired(at: now) }
    }

    /// Ends one of the operator's own sessions (the current one too: that is logout). False when there was none.
    public func endSession(id: UUID, of op: Operator, source: String, reason: String = "ended") async throws -> Bool {
        let record = audit(op.principal(source: source), op, try await tenantNames(op), event: reason == "logout" ? "operator.logout" : "operator.session.end")
        return try await storage.deleteSession(id: id, operatorID: op.id, audit: record)
    }

    /// Re-authentication before a sensitive action: the TOTP code again, recorded on the session (valid
    /// ``OperatorSession/reauthValidity``). Counted and throttled like a login; a used code is refused (single use).
    public func reauthenticate(_ op: Operator, session: OperatorSession, code: String, source: String) async throws -> Bool {
        let now = clock.now()
        let tenants = try await tenantNames(op)
        let principal = op.principal(source: source)
        guard !op.isThrottled(at: now), let sealed = op.totpSecret else {
            try await storage.append(audit(principal, op, tenants, event: "operator.reauth", outcome: "failure", reason: "throttled"))
            return false
        }
        let secret = try await vault.open(sealed, context: op.secretContext)
        switch verifier.check(code: code, token: op.totpToken(), secret: secret, unixTime: Int64(now.timeIntervalSince1970.rounded(.down))) {
        case .accept(let step, _):
            if try await storage.reauthenticate(sessionID: session.id, operatorID: op.id, step: step, seenFailCount: op.failCount, now: now,
                                                audit: audit(principal, op, tenants, event: "operator.reauth")) { return true }
            try await storage.append(audit(principal, op, tenants, event: "operator.reauth", outcome: "failure", reason: "replayed code"))
        case .replay:
            try await storage.append(audit(principal, op, tenants, event: "operator.reauth", outcome: "failure", reason: "replayed code"))
        case .resyncNeeded, .reject:
            let failures = op.failCount.addingReportingOverflow(1).overflow ? Int.max : op.failCount + 1
            let until = verifier.policy.throttleDelay(afterFailures: failures).map { now.addingTimeInterval(TimeInterval($0)) } ?? op.throttledUntil
            try await storage.recordOperatorFailure(operatorID: op.id, seenFailCount: op.failCount, throttledUntil: until,
                                                    audit: audit(principal, op, tenants, event: "operator.reauth", outcome: "failure", reason: "wrong code"))
        }
        return false
    }
}
