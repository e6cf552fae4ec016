import Foundation

extension OperatorService {
    /// What the enrolment page shows: the operator, its TOTP secret (base32) and the `otpauth://` URI of it.
    public struct EnrolmentPage: Sendable {
        public var op: Operator
        public var secretBase32: String
        public var otpauthURI: String
    }

    /// The outcome of submitting the enrolment form.
    public enum EnrolmentResult: Sendable, Equatable {
        case enrolled
        /// The password breaks these rules (``OperatorRules/passwordPolicy``); nothing was changed.
        case passwordProblems([PasswordProblem])
        /// The code does not match the secret now; nothing was changed.
        case wrongCode
    }

    /// The page of a live enrolment link; "not found" for an unknown, used or expired link (one answer for all, so a
    /// guessed link learns nothing).
    public func enrolmentPage(token: String, issuer: String = "Lifeline console") async throws -> EnrolmentPage {
        let (op, secret) = try await liveEnrolment(token)
        let uri = OTPAuthURI.make(token: op.totpToken(), secret: secret, issuer: issuer, account: op.name)
        return EnrolmentPage(op: op, secretBase32: Base32.encode(secret), otpauthURI: uri)
    }

    /// Completes an enrolment: the password must follow ``OperatorRules/passwordPolicy`` and the code must match the
    /// TOTP secret (which proves the authenticator app holds it). The link is used up atomically (a second request with
    /// the same link fails even at the same instant) and the confirming code is spent.
    public func completeEnrolment(token: String, password: String, code: String, source: String) async throws -> EnrolmentResult {
        let (op, secret) = try await liveEnrolment(token)
        let problems = OperatorRules.passwordPolicy.problems(password: password, username: op.name)
        guard problems.isEmpty else { return .passwordProblems(problems) }
        let now = clock.now()
        guard case .accept(let step, _) = verifier.check(code: code, token: op.totpToken(), secret: secret,
                                                         unixTime: Int64(now.timeIntervalSince1970.rounded(.down))) else { return .wrongCode }
        // NFKC as the rules counted it, so the same password typed on another keyboard matches.
        let normalized = password.precomposedStringWithCompatibilityMapping
        let hash = try await SlowHash.offloaded { [random] in try SlowHash.hash(normalized, random: random) }
        let record = audit(op.principal(source: source), op, try await tenantNames(op), event: "operator.enrol")
        guard try await storage.completeEnrolment(tokenHash: OperatorSession.hash(token: token), operatorID: op.id, passwordHash: hash,
                                                  step: step, now: now, audit: record) else {
            throw LifelineError(.notFound, "this enrolment link is unknown, used or expired")
        }
        return .enrolled
    }

    /// Creates an operator that is active at once with a given password and TOTP secret — for `serve --demo` only, whose
    /// printed credentials must work on every start: an existing operator of that name gets them (and the role) again.
    public func ensureDemoOperator(name: String, role: Role, tenants: [String], password: String, secretBase32: String,
                                   caller: Principal) async throws -> Operator {
        try authorizer.require(.operatorsManage, caller)
        let name = try OperatorRules.name(name)
        let tenantIDs = try await resolveTenants(tenants, role: role, caller: caller)
        try OperatorRules.requireMayManage(role: role, tenantIDs: tenantIDs, by: caller)
        guard let secret = Base32.decode(secretBase32) else { throw LifelineError(.invalidRequest, "the TOTP secret is not base32") }
        let normalized = password.precomposedStringWithCompatibilityMapping
        let hash = try await SlowHash.offloaded { [random] in try SlowHash.hash(normalized, random: random) }
        var op = try await storage.operatorRecord(named: name)
            ?? Operator(id: random.uuid(), name: name, role: role, tenantIDs: tenantIDs, createdAt: clock.now(), createdBy: caller.actor)
        let exists = try await storage.operatorRecord(id: op.id) != nil
        op.role = role; op.tenantIDs = tenantIDs; op.state = .active; op.passwordHash = hash
        op.totpSecret = try await vault.seal(secret, context: op.secretContext)
        let names = try await tenantNames(op)
        if exists {
            try await storage.updateOperator(op, endSessions: false, enrolment: nil, audit: audit(caller, op, names, event: "operator.reset", reason: "demo"))
        } else {
            try await storage.insertOperator(op, enrolment: nil, audit: audit(caller, op, names, event: "operator.create", reason: describe(role, names)))
        }
        return op
    }

    /// The operator and its opened TOTP secret of a live link (unexpired, operator pending).
    private func liveEnrolment(_ token: String) async throws -> (Operator, [UInt8]) {
        guard OperatorRules.isWellFormedToken(token), let enrolment = try await storage.enrolment(tokenHash: OperatorSession.hash(token: token)),
              enrolment.expiresAt > clock.now(), let op = try await storage.operatorRecord(id: enrolment.operatorID), op.state == .pending,
              let sealed = op.totpSecret else {
            throw LifelineError(.notFound, "this enrolment link is unknown, used or expired")
        }
        return (op, try await vault.open(sealed, context: op.secretContext))
    }
}
