import Foundation

extension AdminService {
    /// Marks the tenant's token `tokenID` as lost (privacyIDEA's "lost token", docs/lost-token.md): disables it and
    /// makes a temporary code that stands in for it for the tenant's `helpdesk.lost_token_days`, returned this once. The
    /// token's PIN, if it has one, is kept: the user types PIN ‖ code, and the helpdesk never learns the PIN.
    ///
    /// One transaction: the token disabled, the record (the code's HMAC), the `token.lost` audit record and the notices
    /// to the owner's verified contacts. Why notified: a helpdesk talked into it by an impostor must not give the
    /// account away without its owner hearing of it.
    ///
    /// Throws `notFound` for an unknown token, `conflict` for a token that is not active or locked (disabled, or already
    /// marked lost; also when a concurrent mark came first: of concurrent marks exactly one makes a code).
    public func markTokenLost(tenantName: String, tokenID: UUID, caller: Caller) async throws -> IssuedLostTokenCode {
        try authorizer.require(.tokensLost, caller)
        let tenant = try await tenant(tenantName, caller: caller)
        guard let stored = try await storage.storedToken(id: tokenID, tenantID: tenant.id),
              let user = try await storage.user(id: stored.token.userID) else { throw LifelineError(.notFound, "no such token") }
        guard stored.token.state != .disabled else {
            throw LifelineError(.conflict, "the token is disabled (or already marked lost): only an active or locked token can be marked lost")
        }
        let days = (try await storage.recoveryConfig(tenantID: tenant.id)?.helpdesk ?? HelpdeskSettings()).lostTokenDays
        let now = clock.now()
        let expires = now.addingTimeInterval(TimeInterval(days) * 86_400)
        // From the CSPRNG, uniformly (rejection sampling), from the emergency codes' alphabet.
        let code = random.string(length: LostTokenFormat.codeLength, alphabet: LostTokenFormat.alphabet)
        let ring = try await vault.ring()
        let record = LostToken(tokenID: tokenID, tenantID: tenant.id, userID: user.id,
                               codeHash: LostTokenFormat.hash(code: code, tenantID: tenant.id, userID: user.id, tokenID: tokenID,
                                                              key: ring.derivedKey(info: LostTokenFormat.keyInfo)),
                               keyID: ring.currentID, createdAt: now, expiresAt: expires)
        let id = tokenID.uuidString.lowercased()
        let until = expires.formatted(.iso8601)
        // Never the code in the audit record or the notice: the helpdesk gives it to the user.
        let record0 = audit(caller, tenant: tenant.name, subject: user.username, event: "token.lost", reason: "token \(id) until \(until)")
        let notices = try await HelpdeskNotices(vault: vault).authenticatorNotices(
            "token_lost", user: user, tenant: tenant, contacts: try await storage.contacts(userID: user.id), now: now,
            args: ["token": stored.token.label.isEmpty ? String(id.prefix(8)) : stored.token.label, "until": until])
        var mark: UnitOfWork.Ref? = nil
        let outcome = try await storage.transaction { tx in
            let ref = tx.markTokenLost(record)
            tx.append(record0, if: .changed(ref))
            for notice in notices { tx.queue(notice, if: .changed(ref)) }
            mark = ref
        }
        guard let mark, outcome.changed(mark) > 0 else {
            throw LifelineError(.conflict, "the token is no longer active or locked (disabled or marked lost meanwhile)")
        }
        return IssuedLostTokenCode(code: code, expiresAt: expires, tokenID: tokenID, username: user.username, withPIN: stored.pin != nil)
    }

    /// Ends the live temporary code of the tenant's token `tokenID` (audited `token.lost_end`, reason "ended by an
    /// administrator"). The token stays disabled: enabling it ("found") is a separate change, which also ends the code.
    /// Throws `notFound` for an unknown token and for a token without a live code.
    public func endLostToken(tenantName: String, tokenID: UUID, caller: Caller) async throws {
        try authorizer.require(.tokensLost, caller)
        let tenant = try await tenant(tenantName, caller: caller)
        guard let stored = try await storage.storedToken(id: tokenID, tenantID: tenant.id),
              let user = try await storage.user(id: stored.token.userID) else { throw LifelineError(.notFound, "no such token") }
        let trigger = LostTokenRules.Trigger.ended
        let record = audit(caller, tenant: tenant.name, subject: user.username, event: "token.lost_end",
                           reason: "\(trigger.rawValue) (token \(tokenID.uuidString.lowercased()))")
        var end: UnitOfWork.Ref? = nil
        let outcome = try await storage.transaction { tx in
            let ref = tx.endLostTokens(userID: user.id, tokenID: tokenID, reason: trigger.rawValue, at: record.time)
            tx.append(record, if: .changed(ref))
            end = ref
        }
        guard let end, outcome.changed(end) > 0 else { throw LifelineError(.notFound, "this token has no live temporary code") }
    }

    /// The lost-token records of the tenant's token `tokenID` (nil: never marked lost), for its state ("lost until …").
    public func lostToken(tenantName: String, tokenID: UUID, caller: Caller) async throws -> LostToken? {
        try authorizer.require(.tokensRead, caller)
        let tenant = try await tenant(tenantName, caller: caller)
        guard let record = try await storage.lostToken(tokenID: tokenID), record.tenantID == tenant.id else { return nil }
        return record
    }

    /// The live lost-token records of a user's tokens at `now`, by token id (the console's token list).
    public func liveLostTokens(userID: UUID, caller: Caller) async throws -> [UUID: LostToken] {
        try authorizer.require(.tokensRead, caller)
        let now = clock.now()
        var out: [UUID: LostToken] = [:]
        for record in try await storage.lostTokens(userID: userID) where record.isLive(at: now) {
            if caller.mayAccess(record.tenantID) { out[record.tokenID] = record }
        }
        return out
    }
}
