import Foundation
import LifelineAuthenticatorKit

extension CredentialKind {
    /// A token's offline emergency access tokencodes used online (issue 17, docs/offline.md).
    public static let offlineEmergencyCode = CredentialKind("offline_emergency_code")
}

/// A token's offline emergency access tokencodes (seed 003) as a credential of `/validate`, for a token whose codes
/// have "Use offline code for online access" on and are not expired: the `passcode` kind alone; the `tokencode` kind
/// alone for a token without a PIN, or after the PIN (PIN ‖ code, or the PIN in the `pin` field) for a token with one,
/// the PIN checked with the token's verifier (a wrong one counts like the OTP type's).
///
/// Why not single use: the codes are a temporary replacement of a lost token or a forgotten PIN for days (RSA's
/// emergency tokencodes work until they expire or the helpdesk switches them off), and they stay on the laptop for
/// offline use, so spending one online would leave the user without it offline. What bounds them instead: ~79 bits
/// each, an expiry, the helpdesk's switch, and a limit of ``OfflineRules/emergencyFailureLimit`` wrong attempts, at
/// which online use switches off.
struct OfflineEmergencyCredential: CredentialType {
    static let kind = CredentialKind.offlineEmergencyCode
    static let inputDescription = "an offline emergency access tokencode (16 letters and digits, after the PIN for a token with a PIN)"
    let storage: any ValidationService.Storage
    let vault: any KeyVault

    init(_ d: CredentialDependencies) { storage = d.storage; vault = d.vault }

    /// A code in canonical form (``OfflineConstruction/canonicalEmergencyCode(_:)``), or 4–8 digits (a PIN) followed by one.
    static func normalize(_ typed: String) -> String? {
        let s = typed.uppercased().filter { $0 != " " && $0 != "-" }
        if let code = OfflineConstruction.canonicalEmergencyCode(s) { return code }
        let codeLength = OfflineConstruction.emergencyCodeLength
        guard TokenPIN.pinLengths.contains(s.count - codeLength) else { return nil }
        let pin = s.prefix(s.count - codeLength)
        guard pin.allSatisfy({ $0.isASCII && $0.isNumber }), let code = OfflineConstruction.canonicalEmergencyCode(String(s.suffix(codeLength))) else { return nil }
        return String(pin) + code
    }

    func check(_ attempt: CredentialAttempt) async throws -> CredentialVerdict {
        guard let form = attempt.input(for: self) else { return .miss(.notApplicable) }
        // Why a cast: the offline rows are a port of their own, which validation's storage does not require; a store
        // without them has no codes (all production stores have them).
        guard let offline = storage as? any OfflineStore else { return .miss(.notApplicable) }
        let codeLength = OfflineConstruction.emergencyCodeLength
        let code = String(form.suffix(codeLength))
        let typedPIN = form.count > codeLength ? String(form.dropLast(codeLength)) : nil
        guard let user = attempt.user else {
            // The same lookup for an unknown user as for a user without codes.
            _ = try await offline.emergencyCodes(tokenID: UUID())
            return .miss(CredentialMiss(reason: "wrong code"))
        }
        var counted: UUID? = nil
        for entry in attempt.tokens {
            guard let codes = try await offline.emergencyCodes(tokenID: entry.token.id), codes.userID == user.id, codes.onlineUse,
                  codes.expiresAt > attempt.now else { continue }
            if counted == nil { counted = entry.token.id }
            let t = try await vault.open(codes.tokencode, context: OfflineRules.emergencySealContext(tokenID: codes.tokenID, kind: .tokencode))
            let p = try await vault.open(codes.passcode, context: OfflineRules.emergencySealContext(tokenID: codes.tokenID, kind: .passcode))
            let isTokencode = ConstantTime.equals(Array(code.utf8), t), isPasscode = ConstantTime.equals(Array(code.utf8), p)
            // The passcode kind replaces PIN and tokencode: typed alone.
            if isPasscode && typedPIN == nil && attempt.request.pin == nil { return try await accept(entry, attempt, offline) }
            guard isTokencode else { continue }
            guard let verifier = entry.pin else {
                if typedPIN == nil && attempt.request.pin == nil { return try await accept(entry, attempt, offline) }
                continue
            }
            // The tokencode kind of a token with a PIN needs the PIN (SecurID-style tokens), checked like the OTP type's.
            guard let pin = typedPIN ?? attempt.request.pin, !entry.token.isPINBlocked else { continue }
            let ring = try await vault.ring()
            switch TokenPIN.matches(pin: pin, tokenID: entry.token.id, stored: verifier, ring: ring) {
            case true?:
                return try await accept(entry, attempt, offline)
            case false?:
                // Why counted on the PIN: the code is right, so this is a guess at the PIN, which its limit of 3 bounds.
                var miss = CredentialMiss(reason: "wrong PIN")
                miss.guess = { [storage, token = entry.token] audit in try await storage.recordFailure([.wrongPIN(of: token)], audit: audit) }
                return .miss(miss)
            case nil:
                continue
            }
        }
        var miss = CredentialMiss(reason: "wrong code")
        if let tokenID = counted {
            // Why only inputs of the codes' shape count here: any other input is no guess at them.
            miss.guess = { audit in
                if try await offline.countEmergencyFailure(tokenID: tokenID, limit: OfflineRules.emergencyFailureLimit, audit: audit) == nil {
                    try await storage.append(audit)
                }
            }
        }
        return .miss(miss)
    }

    private func accept(_ entry: StoredToken, _ attempt: CredentialAttempt, _ offline: any OfflineStore) async throws -> CredentialVerdict {
        try await storage.append(attempt.audit("accept", "offline emergency code"))
        try await offline.clearEmergencyFailures(tokenID: entry.token.id)
        return .accepted(reason: "offline emergency code", tokenID: entry.token.id)
    }
}
