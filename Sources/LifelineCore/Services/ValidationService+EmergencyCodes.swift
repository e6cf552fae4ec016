import Foundation

extension ValidationService {
    /// How a submitted code relates to a user's emergency code.
    enum EmergencyMatch: Equatable {
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
    func matchEmergencyCode(_ code: String, tenantID: UUID?, userID: UUID?, now: Date) async throws -> EmergencyMatch {
        let lookupID = userID ?? UUID()
        let stored = try await storage.emergencyCode(userID: lookupID)
        let ring = try await vault.ring()
        // The HMAC key of the key the code was issued under (a previous key after `lifeline keys rotate`), else the
        // current one: one derivation and one HMAC either way.
        let key = stored.flatMap { ring.derivedKey(info: EmergencyCodeFormat.keyInfo, keyID: $0.keyID) } ?? ring.derivedKey(info: EmergencyCodeFormat.keyInfo)
        let hash = EmergencyCodeFormat.hash(code: code, tenantID: tenantID ?? UUID(uuid: (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)),
                                            userID: lookupID, key: key)
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
