import Foundation
import LifelineAuthenticatorKit

extension CredentialKind {
    /// The Lifeline Authenticator's codes at validate (issue 16): the online code, the offline code and the offline
    /// (9-digit) unblock code.
    public static let authenticator = CredentialKind("authenticator")
}

/// The Lifeline Authenticator as a credential type (issue 16, docs/authenticator-codes.md). It accepts, for the user's
/// live link at the tenant (``AuthenticatorStore/currentAuthenticator(tenantID:userID:)``, one read):
/// - the **online code** (8 digits the app API issued, stored hashed, 120 s, single use:
///   ``AuthenticatorStore/consumeOnlineCode(linkID:codeHash:now:audit:)``, which marks it used and keeps it: a replay
///   of a used code, or an expired one, is refused and counted nowhere);
/// - the **offline code** (8 digits, ``AuthenticatorCode/offlineCode(orgKey:pinVerifier:step:)`` over the stored PIN
///   verifier, steps T−3…T+1 above the link's last used step, single use per step:
///   ``AuthenticatorStore/consumeOfflineStep(linkID:step:maxPINFailures:now:audit:)``). A wrong 8-digit code for a user
///   with an active link counts as a wrong PIN (``AuthenticatorStore/recordWrongPIN(deviceID:maxFailures:now:audit:blockAudit:)``:
///   3 block every link of the app) — the app computes the code from the PIN, so a wrong PIN gives a wrong code;
/// - the **offline unblock code** (PIN length + 5 digits: 9 for a 4-digit PIN;
///   ``AuthenticatorCode/openUnblockCode(_:orgKey:organization:ubc:step:)`` with the user's usable UBC): accepted once,
///   it authenticates, sets the new PIN's verifier, resets the PIN counter, unblocks that link and consumes the UBC
///   (``AuthenticatorStore/setPIN(_:maxUBCFailures:now:outbox:audit:)`` with the step: no replay). A wrong one while a
///   UBC is usable counts toward the UBC's 3.
///
/// A blocked link accepts only the unblock code. Unknown users, users without a link and decoy flows do the same read
/// (on random ids) and the same HMAC work on dummy keys, so timing does not tell whether a user has the app.
struct AuthenticatorCredential: CredentialType {
    static let kind = CredentialKind.authenticator
    static let inputDescription = "an authenticator code (8 digits, or 9 to 13 to unblock)"
    let storage: any ValidationService.Storage
    let vault: any KeyVault
    /// Dummy keys for the decoy work (fixed: their values do not matter, only the work).
    private let decoyKey: [UInt8] = Array(repeating: 0xa5, count: 32)

    init(_ d: CredentialDependencies) { storage = d.storage; vault = d.vault }

    /// 8 ASCII digits (online or offline code) or 9–13 (the unblock code: a 4–8-digit PIN enciphered, then a 5-digit tag).
    static func normalize(_ typed: String) -> String? {
        let b = typed.utf8
        let unblock = AuthenticatorCode.pinLengths.lowerBound + AuthenticatorCode.tagDigits...AuthenticatorCode.pinLengths.upperBound + AuthenticatorCode.tagDigits
        guard b.count == AuthenticatorCode.codeDigits || unblock.contains(b.count), b.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) else { return nil }
        return typed
    }

    func check(_ attempt: CredentialAttempt) async throws -> CredentialVerdict {
        guard let code = attempt.input(for: self) else { return .miss(.notApplicable) }
        // The same read for everyone: an unknown tenant or user, or a decoy flow, reads random ids.
        let current: AuthenticatorCurrent?
        if let tenant = attempt.tenant, let user = attempt.user {
            current = try await storage.currentAuthenticator(tenantID: tenant.id, userID: user.id)
        } else {
            _ = try await storage.currentAuthenticator(tenantID: attempt.tenant?.id ?? UUID(), userID: UUID())
            current = nil
        }
        let unblock = code.utf8.count != AuthenticatorCode.codeDigits
        guard let current, let tenant = attempt.tenant else {
            decoyWork(code: code, unblock: unblock, now: attempt.now)
            return .miss(CredentialMiss(reason: "wrong code"))
        }
        return unblock ? try await checkUnblock(code, current, tenant: tenant, attempt: attempt)
                       : try await checkCode(code, current, attempt: attempt)
    }

    // MARK: the online and the offline code

    /// The online code, then the offline code of each step; a miss with an active link is a wrong PIN.
    private func checkCode(_ code: String, _ current: AuthenticatorCurrent, attempt: CredentialAttempt) async throws -> CredentialVerdict {
        let link = current.link, now = attempt.now
        // Both computed whatever the other gives (one SHA-256, five HMACs), so timing tells neither apart.
        let hash = AuthenticatorRules.onlineCodeHash(code, linkID: link.id)
        // The hash is compared whatever the code's state: a used or expired code is recognised (and refused uncounted).
        let onlineHashMatches = current.onlineCode.map { ConstantTime.equals($0.codeHash, hash) } ?? false
        let onlineMatches = onlineHashMatches && current.onlineCode?.usable(at: now) == true
        let orgKey = try await vault.open(link.orgKey, context: AuthenticatorSealing.orgKeyContext(linkID: link.id, deviceID: link.deviceID, tenantID: link.tenantID))
        let verifier = try await vault.open(current.device.pinVerifier, context: AuthenticatorSealing.pinVerifierContext(deviceID: current.device.id))
        let (step, usedStep) = Self.offlineMatch(code, orgKey: orgKey, pinVerifier: verifier, now: now, lastStep: link.lastStep)

        // Why only an active link: a blocked one gives no valid code until it is unblocked (only the unblock code works).
        guard link.state == .active else { return .miss(CredentialMiss(reason: "authenticator blocked")) }
        if onlineMatches {
            if try await storage.consumeOnlineCode(linkID: link.id, codeHash: hash, now: now, audit: attempt.audit("accept", "authenticator online code")) {
                return .accepted(reason: "authenticator online code")
            }
            // Lost the race to a concurrent use of the same code (or the link was blocked meanwhile).
            return .refused(reason: "authenticator online code used (concurrent use)")
        }
        if let step {
            if try await storage.consumeOfflineStep(linkID: link.id, step: step, maxPINFailures: AuthenticatorRules.maxPINFailures, now: now,
                                                    audit: attempt.audit("accept", "authenticator offline code")) {
                return .accepted(reason: "authenticator offline code")
            }
            return .refused(reason: "authenticator offline code used (concurrent use or PIN blocked meanwhile)")
        }
        // Why a replay is refused uncounted: it is the right code of a step already used (the user typed it twice, or a
        // login system resent it), not a guess at the PIN; counting it would let a resend block the PIN.
        if usedStep { return .refused(reason: "authenticator offline code replayed") }
        // Why a used or expired online code is refused uncounted, likewise: it IS the code the app issued (a login system
        // retried, the user submitted twice, or was slow), not a guess at the PIN; counting it would let a resend block
        // the PIN. The store keeps a used code's hash until a new code replaces it, so that it is recognised here.
        if onlineHashMatches, let online = current.onlineCode {
            return .refused(reason: online.usedAt != nil ? "authenticator online code replayed" : "authenticator online code expired")
        }
        // A wrong 8-digit code: the app computes the offline code from the PIN, so a wrong PIN gives a wrong code —
        // counted as a wrong PIN (3 block every link of the app).
        var miss = CredentialMiss(reason: "wrong authenticator code")
        miss.guess = { [storage] audit in
            var blocked = audit
            blocked.event = "authenticator.pin_blocked"
            blocked.outcome = "success"
            blocked.reason = "\(AuthenticatorRules.maxPINFailures) wrong PINs (offline code at validate): every link of the app blocked"
            let counted = try await storage.recordWrongPIN(deviceID: current.device.id, maxFailures: AuthenticatorRules.maxPINFailures,
                                                           now: now, audit: audit, blockAudit: [blocked])
            // Not counted (the limit was reached meanwhile): the reject is still audited.
            if counted == nil { try await storage.append(audit) }
        }
        return .miss(miss)
    }

    /// The step whose offline code is `code` among T−3…T+1 above `lastStep`, and whether it is the code of one of those
    /// steps at or below `lastStep` (a replay). Every step of the window is computed, whichever matches.
    static func offlineMatch(_ code: String, orgKey: [UInt8], pinVerifier: [UInt8], now: Date, lastStep: Int64?) -> (step: Int64?, replay: Bool) {
        let fresh = Set(AuthenticatorRules.candidateSteps(now: now, after: lastStep))
        var found: Int64? = nil, replay = false
        for step in AuthenticatorRules.candidateSteps(now: now, after: nil) {
            let matches = ConstantTime.equals(AuthenticatorCode.offlineCode(orgKey: orgKey, pinVerifier: pinVerifier, step: step), code)
            guard matches else { continue }
            if fresh.contains(step) { if found == nil { found = step } } else { replay = true }
        }
        return (found, found == nil && replay)
    }

    // MARK: the offline unblock code

    /// The 9–13-digit unblock code with the user's usable UBC; a miss while the UBC is usable counts on the UBC.
    private func checkUnblock(_ code: String, _ current: AuthenticatorCurrent, tenant: Tenant, attempt: CredentialAttempt) async throws -> CredentialVerdict {
        let link = current.link, device = current.device, now = attempt.now
        guard let ubc = current.ubc, ubc.usable(at: now) else {
            // No usable UBC (none displayed, expired, blocked, or used: a replay): the input is no guess at anything here.
            decoyWork(code: code, unblock: true, now: now)
            return .miss(CredentialMiss(reason: current.ubc == nil ? "no unblocking code" : "unblocking code blocked or expired"))
        }
        let orgKey = try await vault.open(link.orgKey, context: AuthenticatorSealing.orgKeyContext(linkID: link.id, deviceID: link.deviceID, tenantID: link.tenantID))
        let ubcDigits = String(decoding: try await vault.open(ubc.code, context: AuthenticatorSealing.ubcContext(ubcID: ubc.id, tenantID: ubc.tenantID, userID: ubc.userID)), as: UTF8.self)
        let organization = AuthenticatorRules.organization(tenant.id)
        // Every step of the window is tried, whichever opens.
        var opened: (step: Int64, pin: String)? = nil
        for step in AuthenticatorRules.candidateSteps(now: now, after: link.lastStep) {
            if let pin = AuthenticatorCode.openUnblockCode(code, orgKey: orgKey, organization: organization, ubc: ubcDigits, step: step), opened == nil {
                opened = (step, pin)
            }
        }
        guard let opened else {
            // A wrong unblock code while a UBC is usable: counted on the UBC (3 block it, online or offline).
            var miss = CredentialMiss(reason: "wrong unblock code")
            miss.guess = { [storage] audit in
                var blocked = audit
                blocked.event = "authenticator.ubc_blocked"
                blocked.outcome = "success"
                blocked.reason = "\(AuthenticatorRules.maxUBCFailures) wrong entries (offline unblock code at validate): the UBC is blocked"
                let counted = try await storage.countUBCFailure(id: ubc.id, maxFailures: AuthenticatorRules.maxUBCFailures, now: now,
                                                                audit: audit, blockAudit: [blocked])
                if counted == nil { try await storage.append(audit) }
            }
            return .miss(miss)
        }
        // Why refused (uncounted): the code is genuine, but the PIN it carries is one a thief tries first; the app refuses
        // those too, so only a modified app sends one. The UBC stays usable for a proper PIN.
        guard AuthenticatorPIN.isWellFormed(opened.pin), !AuthenticatorPIN.isWeak(opened.pin) else {
            return .refused(reason: "authenticator unblock code with a weak PIN")
        }
        let pinKey = try await vault.open(device.pinKey, context: AuthenticatorSealing.pinKeyContext(deviceID: device.id))
        let verifier = AuthenticatorCode.pinVerifier(pinKey: pinKey, pin: opened.pin)
        let sealed = try await vault.seal(verifier, context: AuthenticatorSealing.pinVerifierContext(deviceID: device.id))
        let change = AuthenticatorPINChange(authority: .ubc(id: ubc.id), linkID: link.id, deviceID: device.id, pinVerifier: sealed,
                                            pinLength: opened.pin.utf8.count, step: opened.step)
        var unblocked = attempt.audit("success", "offline unblock code at validate: new PIN set, link \(link.id.uuidString.lowercased()) unblocked, UBC used")
        unblocked.event = "authenticator.unblock"
        if try await storage.setPIN(change, maxUBCFailures: AuthenticatorRules.maxUBCFailures, now: now, outbox: [],
                                    audit: [attempt.audit("accept", "authenticator offline unblock code"), unblocked]) {
            return .accepted(reason: "authenticator offline unblock code")
        }
        // Lost the race to a concurrent use of the same code (the UBC is gone, or the step is used): a replay.
        return .refused(reason: "authenticator unblock code used (concurrent use or replay)")
    }

    // MARK: decoys

    /// The HMAC work of a real check on dummy keys: the online code's hash and the window's offline codes, or the
    /// window's unblock-code openings.
    private func decoyWork(code: String, unblock: Bool, now: Date) {
        if unblock {
            for step in AuthenticatorRules.candidateSteps(now: now, after: nil) {
                _ = AuthenticatorCode.openUnblockCode(code, orgKey: decoyKey, organization: "decoy", ubc: "00000000", step: step)
            }
        } else {
            _ = AuthenticatorRules.onlineCodeHash(code, linkID: UUID(uuid: nullUUIDBytes))
            _ = Self.offlineMatch(code, orgKey: decoyKey, pinVerifier: decoyKey, now: now, lastStep: nil)
        }
    }
}
