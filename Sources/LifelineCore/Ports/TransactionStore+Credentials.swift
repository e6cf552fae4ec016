import Foundation

/// The credential changes that have consequences in another feature, composed once for every caller (admin service,
/// recovery actions, tests): the change, its audit record, the emergency-code revocation of ``EmergencyCodeRules`` and
/// the end of lost tokens' temporary codes of ``LostTokenRules`` (seed 000's deactivation rules), executed in one
/// transaction.
extension TransactionStore {
    /// Adds a contact of the user `username`, audited with `audit`; revokes the user's usable emergency code.
    public func insertContact(_ contact: Contact, username: String, audit: AuditRecord) async throws {
        try await transaction { tx in
            tx.insertContact(contact)
            tx.append(audit)
            EmergencyCodeRules.revokeCode(in: &tx, userID: contact.userID, username: username, because: .contactAdded, after: audit)
        }
    }

    /// Enrolls a token of the user `username`, audited with `audit`; revokes the user's usable emergency code.
    public func insertToken(_ token: StoredToken, username: String, audit: AuditRecord) async throws {
        try await transaction { tx in
            tx.insertToken(token)
            tx.append(audit)
            EmergencyCodeRules.revokeCode(in: &tx, userID: token.token.userID, username: username, because: .tokenEnrolled, after: audit)
            LostTokenRules.endCodes(in: &tx, userID: token.token.userID, username: username, because: .tokenEnrolled, after: audit)
        }
    }

    /// Sets the state of a token of `owner` (its user's id and username) and returns it as stored, or nil (nothing
    /// written, not even `audit`) when the tenant has no such token. Setting `active` (enable, reset) revokes the
    /// owner's usable emergency code and ends the owner's lost tokens' temporary codes.
    public func setState(tokenID: UUID, tenantID: UUID, state: TokenState, resetFailCount: Bool, owner: (id: UUID, username: String),
                         audit: AuditRecord) async throws -> Token? {
        var set: UnitOfWork.Ref?
        let outcome = try await transaction { tx in
            let ref = tx.setTokenState(tokenID: tokenID, tenantID: tenantID, state: state, resetFailCount: resetFailCount)
            tx.append(audit, if: .changed(ref))
            if state == .active {
                EmergencyCodeRules.revokeCode(in: &tx, userID: owner.id, username: owner.username, because: .tokenActivated,
                                              after: audit, if: .changed(ref))
                LostTokenRules.endCodes(in: &tx, userID: owner.id, username: owner.username, because: .tokenActivated,
                                        after: audit, if: .changed(ref))
            }
            set = ref
        }
        return set.flatMap(outcome.token)
    }

    /// The `unlock-authenticator` change: clears the lock, the throttle and the fail counter of the user's tokens
    /// (disabled ones stay disabled), appends `audit` if any changed, and revokes the user's usable emergency code if
    /// a locked token became active. `audit`'s subject names the user (the revocation record's subject). Returns how
    /// many tokens changed (0: nothing written).
    public func unlockTokens(userID: UUID, audit: AuditRecord) async throws -> Int {
        var unlock: UnitOfWork.Ref?
        let outcome = try await transaction { tx in
            let ref = tx.unlockTokens(userID: userID)
            tx.append(audit, if: .changed(ref))
            EmergencyCodeRules.revokeCode(in: &tx, userID: userID, username: audit.subject, because: .tokenActivated,
                                          after: audit, if: .reactivated(ref))
            LostTokenRules.endCodes(in: &tx, userID: userID, username: audit.subject, because: .tokenActivated,
                                    after: audit, if: .reactivated(ref))
            unlock = ref
        }
        return unlock.map(outcome.changed) ?? 0
    }
}
