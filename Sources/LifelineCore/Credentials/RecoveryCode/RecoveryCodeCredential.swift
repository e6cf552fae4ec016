import Foundation

extension CredentialKind {
    /// The user's saved recovery codes (docs/recovery-codes.md).
    public static let recoveryCode = CredentialKind("recovery_code")
}

/// The user's saved recovery codes as a credential type: a code is accepted once, in place of the OTP; wrong guesses
/// count on the set (revoked at `max_fail`, like the emergency code), never on the tokens.
///
/// Cost: at most one slow hash per attempt, on the ``SlowHashPool``: the input's lookup names the one code it can be,
/// and when there is none (no such lookup, no set, unknown user) the same scrypt runs on a dummy, so timing tells
/// nothing. An input that cannot be a recovery code (an OTP) costs nothing here.
struct RecoveryCodeCredential: CredentialType {
    static let kind = CredentialKind.recoveryCode
    static let inputDescription = "a recovery code (16 letters and digits)"
    let storage: any ValidationService.Storage
    let notices: RecoveryCodeNotices
    let hashPool: @Sendable () -> SlowHashPool
    let maxFailures: Int
    let onQueued: @Sendable () -> Void

    init(_ d: CredentialDependencies) {
        storage = d.storage; notices = RecoveryCodeNotices(storage: d.storage, vault: d.vault); hashPool = d.hashPool
        maxFailures = d.verifier.policy.maxFail; onQueued = d.onQueued
    }

    /// 16 characters of Crockford's base32, any case, spaces and dashes ignored (``RecoveryCodeFormat/normalize(_:)``).
    static func normalize(_ typed: String) -> String? { RecoveryCodeFormat.normalize(typed) }

    func check(_ attempt: CredentialAttempt) async throws -> CredentialVerdict {
        guard let code = attempt.input(for: self) else { return .miss(.notApplicable) }
        let lookup = RecoveryCodeFormat.lookup(code)
        // For an unknown user the same query runs on a random id, like the emergency code's.
        let userID = attempt.user?.id ?? UUID()
        let found = try await storage.recoveryCode(userID: userID, lookup: lookup)
        let candidate = attempt.user != nil && found?.set.status == .active ? found?.code : nil
        let input = RecoveryCodeFormat.hashInput(code: code, userID: userID)
        // Why refusable: anyone with a validate key can send codes; when the pool's queue is full the request is refused
        // with 503 at once instead of piling up scrypt jobs.
        let matches = try await SlowHash.offloaded(pool: hashPool(), refusable: true) {
            if let candidate { return SlowHash.verify(input, against: candidate.hash) }
            return SlowHash.decoyVerify(input)
        }
        guard let user = attempt.user, let found, found.set.status == .active else { return .miss(CredentialMiss(reason: "wrong code")) }
        if matches, let candidate {
            if candidate.usedAt != nil { return .refused(reason: "recovery code already used") }
            let left = found.set.remaining - 1
            let outbox = try await notices.used(user: user, tenant: attempt.tenant, remaining: left, now: attempt.now)
            if try await storage.useRecoveryCode(userID: user.id, setID: found.set.setID, lookup: lookup, now: attempt.now, outbox: outbox,
                                                 audit: attempt.audit("accept", "recovery code (\(left) left)")) {
                if !outbox.isEmpty { onQueued() }
                return .accepted(reason: "recovery code")
            }
            // Lost the race for this code to a concurrent request (or the set was revoked or replaced meanwhile).
            return .refused(reason: "recovery code already used (concurrent use)")
        }
        var miss = CredentialMiss(reason: "wrong code")
        // Why a guess here counts on the set and not on the tokens: an input of a recovery code's shape is no OTP. Why
        // only while codes remain: like the emergency code, a set that can accept nothing has nothing to protect.
        if found.set.usable > 0 { miss.guess = { [storage, maxFailures, now = attempt.now] audit in
            try await storage.recordRecoveryCodeFailure(userID: user.id, now: now, maxFailures: maxFailures, audit: audit)
        } }
        return .miss(miss)
    }
}
