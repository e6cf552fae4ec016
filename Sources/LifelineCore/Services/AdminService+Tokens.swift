import Foundation

extension AdminService {
    /// Enrolls a token for a user and returns its `otpauth://` URI — the only time its secret is shown.
    public func enrollToken(tenantName: String, username: String, _ request: EnrollmentRequest, caller: Caller) async throws -> Enrollment {
        try authorizer.require(.tokensWrite, caller)
        let (tenant, user) = try await user(tenantName: tenantName, username: username, caller: caller)
        guard (6...8).contains(request.digits) else { throw LifelineError(.invalidRequest, "digits must be 6, 7 or 8") }
        guard request.type == .hotp || request.period == 30 || request.period == 60 else {
            throw LifelineError(.invalidRequest, "period must be 30 or 60 seconds")
        }
        guard (0...Token.maxCounter).contains(request.counter) else {
            throw LifelineError(.invalidRequest, "counter must be 0 to \(Token.maxCounter)")
        }
        let secret: [UInt8]
        if let text = request.secretBase32 {
            guard let decoded = Base32.decode(text) else { throw LifelineError(.invalidRequest, "secret is not valid base32") }
            // Why 160 bits: RFC 4226 §4 requires at least 128 and recommends 160; shorter seeds are brute-forceable
            // from a handful of observed codes.
            guard decoded.count >= 20 else { throw LifelineError(.invalidRequest, "secret must be at least 160 bits (32 base32 characters)") }
            guard decoded.count <= 128 else { throw LifelineError(.invalidRequest, "secret must be at most 1024 bits") }
            secret = decoded
        } else {
            // A seed as long as the hash output (RFC 4226 §4 recommendation), from the CSPRNG.
            secret = random.bytes(request.algorithm == .sha1 ? 20 : request.algorithm == .sha256 ? 32 : 64)
        }
        let label = try Validation.displayName(request.label)
        if let pin = request.pin { _ = try TokenPIN.validated(pin) }
        let token = Token(id: random.uuid(), tenantID: tenant.id, userID: user.id, type: request.type, algorithm: request.algorithm,
                          digits: request.digits, period: request.type == .totp ? request.period : nil, maxFail: policy.maxFail,
                          counter: request.type == .hotp ? request.counter : 0, label: label, createdAt: clock.now())
        let sealed = try await vault.seal(secret, context: token.id.uuidString)
        var pin: TokenPINVerifier? = nil
        if let typed = request.pin { pin = TokenPIN.verifier(pin: typed, tokenID: token.id, ring: try await vault.ring()) }
        let stored = StoredToken(token: token, secret: sealed, pin: pin)
        // With its consequence: the user's emergency code ends (EmergencyCodeRules). The audit says whether a PIN was
        // set, never the PIN.
        try await storage.insertToken(stored, username: user.username,
                                      audit: audit(caller, tenant: tenant.name, subject: user.username, event: "token.enroll",
                                                   reason: "\(token.type.rawValue) \(token.id.uuidString.lowercased())\(pin == nil ? "" : " with PIN")"))
        let uri = OTPAuthURI.make(token: token, secret: secret, issuer: tenant.displayName, account: user.username)
        return Enrollment(token: stored.token, username: user.username, otpauthURI: uri)
    }

    /// Tokens of a tenant, optionally of one user, with their usernames.
    public func listTokens(tenantName: String, username: String?, caller: Caller) async throws -> (Tenant, [Token], [UUID: String]) {
        try authorizer.require(.tokensRead, caller)
        let tenant = try await tenant(tenantName, caller: caller)
        var userID: UUID? = nil
        if let username {
            guard let user = try await storage.user(tenantID: tenant.id, username: username) else { throw LifelineError(.notFound, "no such user") }
            userID = user.id
        }
        let tokens = try await storage.tokens(tenantID: tenant.id, userID: userID)
        let names = Dictionary(uniqueKeysWithValues: try await storage.users(tenantID: tenant.id).map { ($0.id, $0.username) })
        return (tenant, tokens, names)
    }

    public func token(tenantName: String, id: UUID, caller: Caller) async throws -> (Tenant, StoredToken) {
        try authorizer.require(.tokensRead, caller)
        let tenant = try await tenant(tenantName, caller: caller)
        guard let stored = try await storage.storedToken(id: id, tenantID: tenant.id) else { throw LifelineError(.notFound, "no such token") }
        return (tenant, stored)
    }

    /// The admin token operations that change state.
    public enum TokenStateChange: String, Sendable {
        case disable, enable, reset
    }

    public func changeTokenState(tenantName: String, id: UUID, _ change: TokenStateChange, caller: Caller) async throws -> Token {
        try authorizer.require(.tokensManage, caller)
        let tenant = try await tenant(tenantName, caller: caller)
        let state: TokenState
        let resetFailCount: Bool
        switch change {
        case .disable: state = .disabled; resetFailCount = false
        case .enable, .reset: state = .active; resetFailCount = true
        }
        let record = audit(caller, tenant: tenant.name, subject: id.uuidString.lowercased(), event: "token.\(change.rawValue)")
        // The owner, whom a token made active again costs the emergency code (EmergencyCodeRules). A token never
        // changes owner, so reading it before the change is safe.
        guard let owner = try await storage.storedToken(id: id, tenantID: tenant.id)?.token.userID,
              let token = try await storage.setState(tokenID: id, tenantID: tenant.id, state: state, resetFailCount: resetFailCount,
                                                     owner: (owner, try await storage.user(id: owner)?.username ?? ""), audit: record) else {
            throw LifelineError(.notFound, "no such token")
        }
        return token
    }

    /// Sets the PIN of a token (``TokenPIN``; nil removes it), which also unblocks a blocked PIN. Audited as
    /// `token.pin.set` / `token.pin.clear`, never with the PIN. Why `tokens.manage` (helpdesk and above): it is the
    /// helpdesk's answer to a forgotten or blocked PIN, like a reset.
    public func setTokenPIN(tenantName: String, id: UUID, pin: String?, caller: Caller) async throws -> Token {
        try authorizer.require(.tokensManage, caller)
        if let pin { _ = try TokenPIN.validated(pin) }
        let tenant = try await tenant(tenantName, caller: caller)
        var verifier: TokenPINVerifier? = nil
        if let pin { verifier = TokenPIN.verifier(pin: pin, tokenID: id, ring: try await vault.ring()) }
        let record = audit(caller, tenant: tenant.name, subject: id.uuidString.lowercased(), event: pin == nil ? "token.pin.clear" : "token.pin.set")
        guard let token = try await storage.setPIN(tokenID: id, tenantID: tenant.id, pin: verifier, audit: record) else {
            throw LifelineError(.notFound, "no such token")
        }
        return token
    }

    /// Resynchronises a token with two consecutive codes.
    public func resyncToken(tenantName: String, id: UUID, code1: String, code2: String, caller: Caller) async throws -> Token {
        try authorizer.require(.tokensManage, caller)
        _ = try Validation.otpCode(code1); _ = try Validation.otpCode(code2)
        let (tenant, stored) = try await token(tenantName: tenantName, id: id, caller: caller)
        let secret = try await vault.open(stored.secret, context: stored.token.id.uuidString)
        let unix = Int64(clock.now().timeIntervalSince1970.rounded(.down))
        let subject = id.uuidString.lowercased()
        guard let found = OTPVerifier(policy: policy).resync(code1: code1, code2: code2, token: stored.token, secret: secret, unixTime: unix),
              try await storage.resync(tokenID: id, step: found.step, drift: found.drift,
                                       audit: audit(caller, tenant: tenant.name, subject: subject, event: "token.resync")) else {
            try await storage.append(audit(caller, tenant: tenant.name, subject: subject, event: "token.resync", outcome: "failure", reason: "codes do not match consecutive steps"))
            throw LifelineError(.resyncFailed, "the two codes are not consecutive codes of this token")
        }
        return try await token(tenantName: tenantName, id: id, caller: caller).1.token
    }

    /// The username of a token's owner (empty if the user is gone), for responses that show it.
    public func username(of token: Token) async throws -> String {
        try await storage.user(id: token.userID)?.username ?? ""
    }

    public func deleteToken(tenantName: String, id: UUID, caller: Caller) async throws {
        try authorizer.require(.tokensWrite, caller)
        let tenant = try await tenant(tenantName, caller: caller)
        let record = audit(caller, tenant: tenant.name, subject: id.uuidString.lowercased(), event: "token.delete")
        guard try await storage.deleteToken(id: id, tenantID: tenant.id, audit: record) else { throw LifelineError(.notFound, "no such token") }
    }
}

/// Alphabets for random strings.
public enum RandomSourceAlphabet {
    public static let alphanumerics: [Character] = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789")
}
