import Crypto
import Foundation
import LifelineAuthenticatorKit

/// The limits and the stored forms of the Lifeline Authenticator's secrets (issue 16), in one place for the service,
/// the validation (H4's credential) and the stores.
public enum AuthenticatorRules {
    /// Consecutive wrong PINs that block the PIN. Why 3: seed 002 ("blocked after 3 failed PIN attempts"); with the
    /// weak PINs refused, a thief's 3 tries at a 4-digit PIN succeed with probability ≤ 3/(10⁴ − |weak|) ≈ 3·10⁻⁴.
    public static let maxPINFailures = 3
    /// Wrong entries that block a UBC (online or offline). Why 3: seed 002. 3 tries at 8 digits: 3·10⁻⁸.
    public static let maxUBCFailures = 3
    /// How long an activation code lives. Why 10 minutes: NIST SP 800-63B-4 §4.1.2.2's maximum for a code that
    /// binds an authenticator.
    public static let activationLifetime: TimeInterval = 600
    /// How long a challenge lives. Why 2 minutes: enough for a phone on a slow network, short enough that a signed
    /// request captured in transit is useless soon (it is single use anyway).
    public static let challengeLifetime: TimeInterval = 120
    /// How long an online code lives (120 s) and its digits (8).
    public static let onlineCodeLifetime: TimeInterval = 120
    public static let onlineCodeDigits = 8
    /// Digits of a UBC. Why 8 from the CSPRNG: with 3 tries before it blocks, a guess wins with probability 3·10⁻⁸.
    public static let ubcDigits = 8
    /// The offline steps a validation tries around the server's step: T_now−3 … T_now+1 (120 s back, one step
    /// ahead for a phone whose clock runs a little fast), always above the link's last used step.
    public static let stepsBack: Int64 = 3
    public static let stepsAhead: Int64 = 1

    /// The steps to try at `now` for a link whose last used step is `lastStep`, oldest first.
    public static func candidateSteps(now: Date, after lastStep: Int64?) -> [Int64] {
        let t = AuthenticatorCodeStep.step(now)
        return (t - stepsBack...t + stepsAhead).filter { lastStep == nil || $0 > lastStep! }
    }

    /// The stored form of an activation code: lowercase hex SHA-256 of its text (uppercased, as base32 is).
    public static func activationCodeHash(_ code: String) -> String {
        Hex.encode(SHA256.hash(data: Array(("lifeline-activation-v1\u{0}" + code.uppercased()).utf8)))
    }

    /// The stored form of a challenge: lowercase hex SHA-256 of its raw bytes.
    public static func challengeHash(_ challenge: [UInt8]) -> String {
        Hex.encode(SHA256.hash(data: Array("lifeline-challenge-v1\u{0}".utf8) + challenge))
    }

    /// The stored form of an online code: SHA-256 over the link id and the code. Why bound to the link: the same 8
    /// digits of another link hash differently, and a code is checked only against its own link's hash. Why not a
    /// slow hash: the code lives 120 s and is single use; whoever reads the database within those seconds can also
    /// change it.
    public static func onlineCodeHash(_ code: String, linkID: UUID) -> String {
        Hex.encode(SHA256.hash(data: Array("lifeline-online-code-v1\u{0}\(linkID.uuidString.lowercased())\u{0}\(code)".utf8)))
    }

    /// The organization id the code constructions take (``AuthenticatorCode/unblockKey(orgKey:organization:ubc:)``):
    /// the tenant's UUID, lowercase.
    public static func organization(_ tenantID: UUID) -> String { tenantID.uuidString.lowercased() }
}

/// The time step of an instant (``AuthenticatorCode/step(unixTime:)``).
public enum AuthenticatorCodeStep {
    public static func step(_ date: Date) -> Int64 {
        AuthenticatorCode.step(unixTime: Int64(date.timeIntervalSince1970.rounded(.down)))
    }
}

/// The associated-data contexts under which the Authenticator's secrets are sealed (``KeyVault/seal(_:context:)``).
/// Why the ids are bound in: a sealed value copied onto another row (another device's PIN verifier, another user's
/// UBC) no longer opens, so a database writer cannot move a secret where it would be accepted.
public enum AuthenticatorSealing {
    public static func pinKeyContext(deviceID: UUID) -> String { "authenticator-pin-key:\(deviceID.uuidString.lowercased())" }
    public static func pinVerifierContext(deviceID: UUID) -> String { "authenticator-pin-verifier:\(deviceID.uuidString.lowercased())" }
    public static func orgKeyContext(linkID: UUID, deviceID: UUID, tenantID: UUID) -> String {
        "authenticator-org-key:\(linkID.uuidString.lowercased()):\(deviceID.uuidString.lowercased()):\(tenantID.uuidString.lowercased())"
    }
    public static func ubcContext(ubcID: UUID, tenantID: UUID, userID: UUID) -> String {
        "authenticator-ubc:\(ubcID.uuidString.lowercased()):\(tenantID.uuidString.lowercased()):\(userID.uuidString.lowercased())"
    }
}
