import Foundation

extension CredentialKind {
    /// The user's OTP tokens (TOTP and HOTP).
    public static let otpToken = CredentialKind("otp_token")
}

/// The user's OTP tokens (TOTP and HOTP) as a credential type: checks an OTP under ``OTPPolicy``, consumes the accepted
/// step atomically, and counts wrong codes on the tokens (throttle, then lock at `max_fail`).
struct OTPTokenCredential: CredentialType {
    static let kind = CredentialKind.otpToken
    static let inputDescription = "6 to 8 digits (10 to 16 with a token PIN)"
    let storage: any ValidationService.Storage
    let vault: any KeyVault
    let verifier: OTPVerifier
    /// A fixed dummy secret used when no token was checked, so that unknown users cost the same HMAC work as real ones.
    private let decoySecret: [UInt8] = Array(repeating: 0x5a, count: 20)

    init(_ d: CredentialDependencies) { storage = d.storage; vault = d.vault; verifier = d.verifier }

    /// An OTP as typed, 6–8 ASCII digits (``Validation/otpCode(_:)``), or a PIN ‖ OTP (10–16 digits, for tokens with a
    /// PIN: ``TokenPIN``).
    static func normalize(_ typed: String) -> String? {
        let b = typed.utf8
        // 9 digits is neither: an OTP has at most 8, and a PIN at least 4 before an OTP of at least 6.
        guard (6...8).contains(b.count) || (10...16).contains(b.count), b.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) else { return nil }
        return typed
    }

    func check(_ attempt: CredentialAttempt) async throws -> CredentialVerdict {
        // "" when the input cannot be an OTP: the tokens are still read (their lock or throttle is the audited reason),
        // and no token computes a code for it.
        let code = attempt.input(for: self) ?? ""
        let pin = attempt.request.pin
        let checked = try await checkTokens(attempt.tokens, code: code, pin: pin, now: attempt.now, unix: attempt.unixTime) { attempt.audit("accept", $0) }
        if checked.accepted { return .accepted(reason: "token", tokenID: checked.acceptedToken) }
        // The same HMAC work when no token was checked (none, or all locked, disabled or throttled), so timing does not tell.
        if !checked.checkedAny { _ = try await decoyWork(code: code, pin: pin, unix: attempt.unixTime) }
        let (result, reason) = checked.result(noTokens: attempt.tokens.isEmpty)
        var miss = CredentialMiss(result: result, reason: reason, throttledUntil: checked.throttledUntil)
        // An input that can be an OTP of a token that checks it (active, not throttled, of its length) is a guess at the
        // tokens and counts there; otherwise (all locked or throttled) it counts on a later credential, so no input that
        // could match something goes uncounted.
        let couldBeOTP = !code.isEmpty && attempt.allTokens.contains {
            $0.token.state == .active && !$0.token.isThrottled(at: attempt.now) && !$0.token.isPINBlocked
                && Self.candidate(for: $0, code: code, pin: pin) != nil
        }
        if attempt.user != nil && couldBeOTP {
            let failures = checked.failures
            miss.locks = failures.filter(\.lock).map(\.tokenID)
            miss.guess = { [storage] audit in
                if failures.isEmpty { try await storage.append(audit) } else { try await storage.recordFailure(failures, audit: audit) }
            }
        }
        return .miss(miss)
    }

    /// What checking a code against a user's tokens found.
    struct TokenCheck {
        var accepted = false
        /// The token that accepted the code (nil: none did).
        var acceptedToken: UUID? = nil
        /// Whether the code was checked against at least one token (HMAC work was done).
        var checkedAny = false
        var sawReplay = false, sawResync = false, sawLocked = false, sawDisabled = false
        /// A token with a PIN was skipped because its PIN is blocked, or the input carried no PIN for it.
        var sawPINBlocked = false, sawPINMissing = false
        /// A wrong PIN was counted (the audit says so; the caller never learns it).
        var sawWrongPIN = false
        /// The earliest end of a throttle among the tokens skipped for it (nil: none was throttled).
        var throttledUntil: Date? = nil
        /// The failures to record (tokens the code was checked against and did not match).
        var failures: [TokenFailure] = []

        /// The detailed result and the audit reason, when nothing was accepted.
        func result(noTokens: Bool) -> (CheckResult, String) {
            if sawReplay { return (.replay, "replayed code") }
            if sawResync { return (.resyncNeeded, "code matches outside the window: resync needed") }
            if failures.isEmpty && sawLocked { return (.locked, "token locked") }
            if failures.isEmpty && sawPINBlocked { return (.locked, "token PIN blocked") }
            if failures.isEmpty, let until = throttledUntil { return (.throttled, "token throttled until \(until.formatted(.iso8601))") }
            if failures.isEmpty && sawDisabled { return (.disabled, "token disabled") }
            if noTokens { return (.reject, "no token") }
            if failures.isEmpty && sawPINMissing { return (.reject, "PIN missing") }
            if !failures.isEmpty && failures.allSatisfy(\.wrongPIN) { return (.reject, "wrong PIN") }
            return (.reject, "wrong code")
        }
    }

    /// Checks `code` against `stored` and consumes it on the token that accepts it (whose accept record `acceptAudit`
    /// makes from the reason). Locked, disabled and throttled tokens are skipped unchecked; a token whose length the
    /// code does not have gets no failure (the input is no guess at it).
    ///
    /// A token with a PIN (``TokenPIN``) checks PIN ‖ OTP, or the OTP with `pin` given apart, never the OTP alone. Its PIN
    /// and its OTP are both computed whatever the other gives, so timing does not tell a wrong PIN from a wrong OTP; a
    /// wrong PIN counts on the PIN (blocked at ``TokenPIN/maxFailures``), a right PIN with a wrong OTP as the token's
    /// usual OTP failure. A token whose PIN is blocked is skipped like a locked one.
    func checkTokens(_ stored: [StoredToken], code: String, pin: String? = nil, now: Date, unix: Int64,
                     acceptAudit: (String) -> AuditRecord) async throws -> TokenCheck {
        var out = TokenCheck()
        var ring: KeyRing? = nil
        for entry in stored {
            let token = entry.token
            switch token.state {
            case .locked: out.sawLocked = true; continue
            case .disabled: out.sawDisabled = true; continue
            case .active: break
            }
            // Why unchecked: a blocked PIN accepts nothing until an administrator resets the token or sets a new PIN, so
            // checking would only give a guesser more PIN tries.
            if token.isPINBlocked { out.sawPINBlocked = true; continue }
            // Why unchecked: a throttled token accepts nothing, so checking would give a guesser nothing but time;
            // and the refusal is not counted, so waiting out the delay is all a legitimate user has to do.
            if token.isThrottled(at: now), let until = token.throttledUntil {
                out.throttledUntil = min(out.throttledUntil ?? until, until)
                continue
            }
            // The input as this token reads it; none when it carries no PIN for a token with one (never the OTP alone),
            // or a PIN for a token without one.
            guard let input = Self.candidate(for: entry, code: code, pin: pin) else {
                if entry.pin != nil { out.sawPINMissing = true }
                continue
            }
            let (typedPIN, otp) = input
            let secret = try await vault.open(entry.secret, context: token.id.uuidString)
            out.checkedAny = true
            var pinMatches = true
            if let stored = entry.pin, let typedPIN {
                var keys: KeyRing
                if let ring { keys = ring } else { keys = try await vault.ring() }
                // A verifier made under a key added by `lifeline keys rotate` in another process: re-read the vault once.
                if !keys.keyIDs.contains(stored.keyID) { keys = try await vault.refreshed() }
                ring = keys
                guard let matches = TokenPIN.matches(pin: typedPIN, tokenID: token.id, stored: stored, ring: keys) else {
                    // Made under a key the ring no longer has: the PIN cannot be checked, and it counts nowhere.
                    _ = verifier.check(code: otp, token: token, secret: secret, unixTime: unix)
                    out.sawPINBlocked = true
                    continue
                }
                pinMatches = matches
            }
            // Computed whatever the PIN gave, so a wrong PIN takes the time a wrong OTP takes.
            let result = verifier.check(code: otp, token: token, secret: secret, unixTime: unix)
            if !pinMatches {
                // Why a wrong PIN counts whatever the OTP: else a thief holding the token could tell right PINs from
                // wrong ones by what the OTP does (replay, resync), and the limit of 3 would not hold.
                out.sawWrongPIN = true
                out.failures.append(.wrongPIN(of: token))
                continue
            }
            switch result {
            case .accept(let step, let drift):
                if try await storage.consume(tokenID: token.id, step: step, drift: drift, seenFailCount: token.failCount, now: now,
                                             audit: acceptAudit("token \(token.id.uuidString.lowercased())")) {
                    out.accepted = true
                    out.acceptedToken = token.id
                    return out
                }
                // Lost the race to a concurrent request with the same code (or a failure recorded meanwhile): a replay.
                out.sawReplay = true
            case .replay:
                // Refused but not counted (issue 13 item 2): a replay is a code the user just used, not a guess; counting
                // it let 19 racing replays of one valid code lock the token. A guess hits a used step with odds of about
                // 2/10^6, so leaving these uncounted gives a guesser nothing.
                out.sawReplay = true
            case .resyncNeeded: out.sawResync = true; out.failures.append(failure(of: token, now: now))
            case .reject:
                // Why every checked token counts: otherwise an attacker could spread guesses over a user's tokens and
                // multiply the attempts allowed.
                if otp.utf8.count == token.digits { out.failures.append(failure(of: token, now: now)) }
            }
        }
        return out
    }

    /// How `entry` reads the input: its PIN (nil: the token has none) and its OTP; nil when the input cannot be for it.
    /// A token with a PIN takes `pin` with an OTP of its length in `code`, or, with no `pin`, `code` as PIN ‖ OTP with a
    /// PIN of 4–8 digits (the OTP is the last `digits` digits); a token without a PIN takes `code` alone when it has the
    /// token's length, and nothing when a `pin` is given.
    static func candidate(for entry: StoredToken, code: String, pin: String?) -> (pin: String?, otp: String)? {
        let digits = entry.token.digits
        let length = code.utf8.count
        guard entry.pin != nil else { return pin == nil && length == digits ? (nil, code) : nil }
        if let pin { return length == digits ? (pin, code) : nil }
        guard TokenPIN.pinLengths.contains(length - digits) else { return nil }
        let split = code.utf8.index(code.utf8.startIndex, offsetBy: length - digits)
        return (String(code[..<split]), String(code[split...]))
    }

    /// One more consecutive failure on `token`: the throttle it starts and whether it locks (NIST SP 800-63B-4 §3.2.2).
    func failure(of token: Token, now: Date) -> TokenFailure {
        let failures = token.failCount.addingReportingOverflow(1).overflow ? Int.max : token.failCount + 1
        let delay = verifier.policy.throttleDelay(afterFailures: failures)
        let limit = min(max(token.maxFail, 1), OTPPolicy.maxFailLimit)
        return TokenFailure(tokenID: token.id, seenFailCount: token.failCount,
                            throttledUntil: delay.map { now.addingTimeInterval(TimeInterval($0)) } ?? token.throttledUntil,
                            lock: failures >= limit)
    }

    /// The HMAC work of checking a TOTP window, on a decoy secret (none for a code that cannot be an OTP: a token
    /// would not compute one for it either).
    /// With a PIN (given apart, or a code longer than an OTP: PIN ‖ OTP), also the PIN's HMAC on a dummy.
    private func decoyWork(code: String, pin: String?, unix: Int64) async throws -> Bool {
        var otp = code
        if let pin {
            _ = TokenPIN.decoyWork(pin: pin, ring: try await vault.ring())
        } else if code.utf8.count > 8 {
            let split = code.utf8.index(code.utf8.startIndex, offsetBy: code.utf8.count - 6)
            _ = TokenPIN.decoyWork(pin: String(code[..<split]), ring: try await vault.ring())
            otp = String(code[split...])
        }
        guard (6...8).contains(otp.utf8.count) else { return false }
        let token = Token(id: UUID(uuid: nullUUIDBytes), tenantID: UUID(uuid: nullUUIDBytes), userID: UUID(uuid: nullUUIDBytes),
                          type: .totp, algorithm: .sha1, digits: otp.utf8.count, period: 30, createdAt: Date(timeIntervalSince1970: 0))
        return verifier.check(code: otp, token: token, secret: decoySecret, unixTime: unix) == .reject
    }
}

/// The nil UUID's bytes (decoy ids).
let nullUUIDBytes: uuid_t = (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
