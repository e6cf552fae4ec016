import Foundation

extension CredentialKind {
    /// The temporary code of a token the helpdesk marked lost (docs/lost-token.md).
    public static let lostToken = CredentialKind("lost_token")
}

/// A lost token's temporary code as a credential type: accepted for the token's owner while the record is live (not
/// ended, not expired), any number of times (why: it replaces a token for days, as privacyIDEA's does). For a token
/// with a PIN the input is PIN ‖ code (or the code with the PIN in validate's `pin` field), the PIN checked with the
/// token's own verifier; for a token without one, the code alone. Wrong codes count on the record (ended at
/// ``LostTokenFormat/maxFailures``), a wrong PIN with the right code on its PIN count (ended at ``TokenPIN/maxFailures``).
struct LostTokenCredential: CredentialType {
    static let kind = CredentialKind.lostToken
    static let inputDescription = "a lost token's temporary code (12 letters and digits, after the token's PIN if it has one)"
    let storage: any ValidationService.Storage
    let vault: any KeyVault

    init(_ d: CredentialDependencies) { storage = d.storage; vault = d.vault }

    static func normalize(_ typed: String) -> String? { LostTokenFormat.normalize(typed) }

    func check(_ attempt: CredentialAttempt) async throws -> CredentialVerdict {
        guard let form = attempt.input(for: self) else { return .miss(.notApplicable) }
        let (prefix, code) = LostTokenFormat.split(form)
        // A PIN in the field and another before the code: the input has no shape of ours.
        let typedPIN = attempt.request.pin ?? prefix
        let pinGivenTwice = attempt.request.pin != nil && prefix != nil
        // Why the same work for everyone: an unknown user is looked up by a random id, and at least one HMAC of the code
        // and one of the PIN are computed and compared, so timing does not tell whether a user exists or has a code.
        let lookupID = attempt.user?.id ?? UUID()
        let records = try await storage.lostTokens(userID: lookupID).filter { $0.isLive(at: attempt.now) }
        let ring = try await vault.ring()
        var found: LostToken? = nil
        for record in records.isEmpty ? [nil] : records.map(Optional.some) {
            let key = record.flatMap { ring.derivedKey(info: LostTokenFormat.keyInfo, keyID: $0.keyID) } ?? ring.derivedKey(info: LostTokenFormat.keyInfo)
            let hash = LostTokenFormat.hash(code: code, tenantID: record?.tenantID ?? UUID(uuid: nullUUIDBytes),
                                            userID: lookupID, tokenID: record?.tokenID ?? UUID(uuid: nullUUIDBytes), key: key)
            // A code made under a key the ring no longer has cannot match (its key is gone).
            if let record, ConstantTime.equals(hash, record.codeHash),
               ring.derivedKey(info: LostTokenFormat.keyInfo, keyID: record.keyID) != nil, found == nil { found = record }
        }
        guard let user = attempt.user, !records.isEmpty else {
            if let typedPIN { _ = TokenPIN.decoyWork(pin: typedPIN, ring: ring) }
            return .miss(CredentialMiss(reason: "wrong code"))
        }
        guard let record = found, !pinGivenTwice else {
            if let typedPIN { _ = TokenPIN.decoyWork(pin: typedPIN, ring: ring) }
            var miss = CredentialMiss(reason: "wrong code")
            // Why every live record counts: otherwise guesses spread over a user's lost tokens would multiply the limit.
            miss.guess = { [storage, ids = records.map(\.tokenID), now = attempt.now] audit in
                try await storage.transaction { tx in
                    for id in ids { Self.countFailure(in: &tx, tokenID: id, pin: false, now: now, audit: audit, username: user.username) }
                    tx.append(audit)
                }
            }
            return .miss(miss)
        }
        let token = attempt.allTokens.first { $0.token.id == record.tokenID }
        if let verifier = token?.pin {
            guard let typedPIN else { return .refused(reason: "lost token code without the token's PIN") }
            guard let matches = TokenPIN.matches(pin: typedPIN, tokenID: record.tokenID, stored: verifier, ring: ring) else {
                // Made under a key the ring no longer has: the PIN cannot be checked (a new PIN is set by the helpdesk).
                return .refused(reason: "lost token PIN cannot be checked")
            }
            if !matches {
                var miss = CredentialMiss(reason: "wrong PIN")
                miss.guess = { [storage, now = attempt.now] audit in
                    try await storage.transaction { tx in
                        Self.countFailure(in: &tx, tokenID: record.tokenID, pin: true, now: now, audit: audit, username: user.username)
                        tx.append(audit)
                    }
                }
                return .miss(miss)
            }
        } else {
            if let typedPIN { _ = TokenPIN.decoyWork(pin: typedPIN, ring: ring) }
            // A PIN for a token without one: the input is not of its shape (as for the token itself).
            if typedPIN != nil { return .miss(CredentialMiss(reason: "wrong code")) }
        }
        let accept = attempt.audit("accept", "lost token \(record.tokenID.uuidString.lowercased())")
        var used: UnitOfWork.Ref? = nil
        let outcome = try await storage.transaction { tx in
            let ref = tx.useLostToken(tokenID: record.tokenID, hash: record.codeHash, at: attempt.now)
            tx.append(accept, if: .changed(ref))
            used = ref
        }
        // Ended (found, enrolled, limit) or expired between the read and the write.
        guard let used, outcome.changed(used) > 0 else { return .refused(reason: "lost token ended (concurrent change)") }
        return .accepted(reason: "lost token")
    }

    /// Records one wrong code (or PIN) on the token's live record, with its `token.lost_end` record when that ended it.
    static func countFailure(in tx: inout UnitOfWork, tokenID: UUID, pin: Bool, now: Date, audit: AuditRecord, username: String) {
        let limit = pin ? TokenPIN.maxFailures : LostTokenFormat.maxFailures
        let counted = tx.countLostTokenFailure(tokenID: tokenID, at: now, pin: pin, maxFailures: limit)
        let trigger: LostTokenRules.Trigger = pin ? .tooManyWrongPINs : .tooManyFailures
        var end = LostTokenRules.endRecord(after: audit, subject: username, reason: trigger.rawValue)
        end.reason = "\(trigger.rawValue) (token \(tokenID.uuidString.lowercased()))"
        tx.append(end, if: .reachedLimit(counted))
    }
}
