import Foundation

extension CredentialKind {
    /// The user's emergency access code (docs/emergency-codes.md).
    public static let emergencyCode = CredentialKind("emergency_code")
}

/// The user's emergency access code (docs/emergency-codes.md) as a credential type: accepted in place of the OTP while
/// it is usable, also when the user's tokens are locked or the user has none; wrong guesses count on the code
/// (revoked at `max_fail`).
struct EmergencyCodeCredential: CredentialType {
    static let kind = CredentialKind.emergencyCode
    static let inputDescription = "an emergency code (8 to 32 letters and digits)"
    let storage: any ValidationService.Storage
    let vault: any KeyVault
    let maxFailures: Int

    init(_ d: CredentialDependencies) { storage = d.storage; vault = d.vault; maxFailures = d.verifier.policy.maxFail }

    /// 10–32 digits or 8–32 of the alphanumeric alphabet, any case, spaces and dashes ignored (``EmergencyCodeFormat/normalize(_:)``).
    static func normalize(_ typed: String) -> String? { EmergencyCodeFormat.normalize(typed) }

    func check(_ attempt: CredentialAttempt) async throws -> CredentialVerdict {
        guard let code = attempt.input(for: self) else { return .miss(.notApplicable) }
        let userID = attempt.user?.id
        switch try await match(code, tenantID: attempt.tenant?.id, userID: userID, now: attempt.now) {
        case .usable(let hash):
            guard let userID else { return .miss(CredentialMiss(reason: "wrong code")) }
            if try await storage.useEmergencyCode(userID: userID, hash: hash, now: attempt.now, audit: attempt.audit("accept", "emergency code")) {
                return .accepted(reason: "emergency code")
            }
            // Lost the race for the last use to a concurrent request (or it was revoked meanwhile).
            return .refused(reason: "emergency code used_up (concurrent use)")
        case .unusable(let status):
            return .refused(reason: "emergency code \(status.rawValue)")
        case .none(let usable):
            var miss = CredentialMiss(reason: "wrong code")
            if usable, let userID {
                miss.guess = { [storage, maxFailures, now = attempt.now] audit in
                    try await storage.recordEmergencyCodeFailure(userID: userID, now: now, maxFailures: maxFailures, audit: audit)
                }
            }
            return .miss(miss)
        }
    }

    /// How a submitted code relates to a user's emergency code.
    enum Match: Equatable {
        /// It is not the user's code. `usableCode`: the user has a usable code (which a wrong guess counts against).
        case none(usableCode: Bool)
        /// It is the user's code and the code is usable: try to use it (``EmergencyCodeStore/useEmergencyCode(userID:hash:now:audit:)``).
        case usable(hash: String)
        /// It is the user's code, but the code is used up, expired or revoked.
        case unusable(EmergencyCodeStatus)
    }

    /// Compares `code` (normalized) with the emergency code of `userID` in constant time.
    ///
    /// Why the same work for everyone: for an unknown tenant or user (nil ids) the same query runs on a random id and
    /// the same HMAC is computed and compared with a dummy, so the time taken does not tell whether a user exists or
    /// has a code.
    func match(_ code: String, tenantID: UUID?, userID: UUID?, now: Date) async throws -> Match {
        let lookupID = userID ?? UUID()
        let stored = try await storage.emergencyCode(userID: lookupID)
        let ring = try await vault.ring()
        // The HMAC key of the key the code was issued under (a previous key after `lifeline keys rotate`), else the
        // current one: one derivation and one HMAC either way.
        let key = stored.flatMap { ring.derivedKey(info: EmergencyCodeFormat.keyInfo, keyID: $0.keyID) } ?? ring.derivedKey(info: EmergencyCodeFormat.keyInfo)
        let hash = EmergencyCodeFormat.hash(code: code, tenantID: tenantID ?? UUID(uuid: nullUUIDBytes), userID: lookupID, key: key)
        let matches = ConstantTime.equals(hash, stored?.hash ?? Self.noHash)
        guard userID != nil, let stored else { return .none(usableCode: false) }
        // A code issued under a key the ring no longer has (removed from keys.previous) cannot be checked: it neither
        // matches nor counts failures.
        guard ring.derivedKey(info: EmergencyCodeFormat.keyInfo, keyID: stored.keyID) != nil else { return .none(usableCode: false) }
        let usable = stored.state.isUsable(at: now)
        if !matches { return .none(usableCode: usable) }
        return usable ? .usable(hash: stored.hash) : .unusable(stored.state.resolved(at: now).status)
    }

    /// Compared with when there is no stored code (an HMAC is never all zeros in practice, and a match would still
    /// need a stored row).
    private static let noHash = String(repeating: "0", count: 64)
}
