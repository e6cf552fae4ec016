import Foundation
import LifelineAuthenticatorKit

/// Helpers for the validation of the Lifeline Authenticator at `/api/v1/validate` (H4's `AuthenticatorCredential`):
/// what a typed input is, the link's opened keys, and which step an offline or unblock code matches. Pure: the
/// credential reads ``AuthenticatorStore/currentAuthenticator(tenantID:userID:)`` once, asks these, then writes with
/// one conditional store call (``AuthenticatorStore/consumeOnlineCode(linkID:codeHash:now:audit:)``,
/// ``AuthenticatorStore/consumeOfflineStep(linkID:step:maxPINFailures:now:audit:)``,
/// ``AuthenticatorStore/recordWrongPIN(deviceID:maxFailures:now:audit:blockAudit:)``,
/// ``AuthenticatorStore/countUBCFailure(id:maxFailures:now:audit:blockAudit:)``, or
/// ``AuthenticatorStore/setPIN(_:maxUBCFailures:now:outbox:audit:)`` with `.ubc(id:)` and the code's `step`).
public enum AuthenticatorCheck {
    /// What a typed code is for an Authenticator user.
    public enum Input: Sendable, Equatable {
        /// 8 digits: an online code (checked first: its hash) or an offline code (the app's V and a step). A wrong
        /// one, for an active link, counts as a wrong PIN (the offline code is what a wrong PIN gives).
        case eightDigits
        /// 9–13 digits: an offline unblock code for a PIN of `pinLength` (= digits − 5) digits; only for a blocked
        /// link (or an active one whose user has a UBC), and a wrong one counts against the UBC.
        case unblockCode(pinLength: Int)
        /// Anything else: not an Authenticator code.
        case other
    }

    /// Classifies `code` (digits only; spaces are the caller's to strip).
    public static func classify(_ code: String) -> Input {
        guard !code.isEmpty, code.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) else { return .other }
        let n = code.utf8.count
        if n == AuthenticatorCode.codeDigits { return .eightDigits }
        let pin = n - AuthenticatorCode.tagDigits
        return AuthenticatorCode.pinLengths.contains(pin) ? .unblockCode(pinLength: pin) : .other
    }

    /// The secrets of the current link, opened with the vault (contexts of ``AuthenticatorSealing``). Never log them.
    public struct OpenedKeys: Sendable {
        public var orgKey: [UInt8]
        public var pinVerifier: [UInt8]
        /// The UBC's digits when the user has a usable one at `now` (unexpired, not blocked), else nil.
        public var ubc: String?
    }

    /// Opens the link's organization key, the device's PIN verifier and the usable UBC of `current`.
    public static func open(_ current: AuthenticatorCurrent, vault: any KeyVault, now: Date) async throws -> OpenedKeys {
        let link = current.link
        let orgKey = try await vault.open(link.orgKey, context: AuthenticatorSealing.orgKeyContext(linkID: link.id, deviceID: link.deviceID,
                                                                                                   tenantID: link.tenantID))
        let v = try await vault.open(current.device.pinVerifier, context: AuthenticatorSealing.pinVerifierContext(deviceID: current.device.id))
        var ubc: String?
        if let u = current.ubc, u.usable(at: now) {
            ubc = String(decoding: try await vault.open(u.code, context: AuthenticatorSealing.ubcContext(ubcID: u.id, tenantID: u.tenantID, userID: u.userID)),
                         as: UTF8.self)
        }
        return OpenedKeys(orgKey: orgKey, pinVerifier: v, ubc: ubc)
    }

    /// Whether `code` is the online code outstanding for the link at `now` (hash compared in constant time). The use
    /// itself is ``AuthenticatorStore/consumeOnlineCode(linkID:codeHash:now:audit:)``.
    public static func isOnlineCode(_ code: String, current: AuthenticatorCurrent, now: Date) -> Bool {
        guard let stored = current.onlineCode, stored.expiresAt > now else { return false }
        return ConstantTime.equals(AuthenticatorRules.onlineCodeHash(code, linkID: current.link.id), stored.codeHash)
    }

    /// The step (T_now−3 … T_now+1, above the link's last used step) whose offline code is `code`, or nil. Every
    /// candidate is computed and compared in constant time, so the time taken does not say which step matched.
    public static func offlineStep(_ code: String, keys: OpenedKeys, link: AuthenticatorLink, now: Date) -> Int64? {
        var found: Int64?
        for step in AuthenticatorRules.candidateSteps(now: now, after: link.lastStep) {
            let expected = AuthenticatorCode.offlineCode(orgKey: keys.orgKey, pinVerifier: keys.pinVerifier, step: step)
            if ConstantTime.equals(expected, code) && found == nil { found = step }
        }
        return found
    }

    /// The new PIN and step an offline unblock code carries, or nil (no usable UBC, or no step above the link's last
    /// used one matches). The server then stores V = pinVerifier(pinKey, PIN) (open the device's `pinKey`), never the PIN.
    public static func openUnblock(_ code: String, keys: OpenedKeys, link: AuthenticatorLink, now: Date) -> (pin: String, step: Int64)? {
        guard let ubc = keys.ubc else { return nil }
        var found: (String, Int64)?
        for step in AuthenticatorRules.candidateSteps(now: now, after: link.lastStep) {
            if let pin = AuthenticatorCode.openUnblockCode(code, orgKey: keys.orgKey, organization: AuthenticatorRules.organization(link.tenantID),
                                                           ubc: ubc, step: step), found == nil {
                found = (pin, step)
            }
        }
        return found
    }
}
