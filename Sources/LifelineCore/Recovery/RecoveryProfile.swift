import Crypto
import Foundation

/// What the verification steps may use of one user: enrolled numbers, addresses, answered questions and
/// whether a TOTP token is usable — plus decoy contacts and a decoy question subset, derived from the stable server
/// secret, the username and the tenant's distribution (``DecoyGenerator``), shown wherever the real ones are missing.
///
/// Why decoys: an unknown user, or a user without a number, must get a flow that looks the same as a real
/// one; the decoys are stable per username (the same on every attempt), so repeating a request reveals nothing.
public struct RecoveryProfile: Sendable, Equatable, Codable {
    public var userID: UUID?
    public var phones: [String]
    public var emails: [String]
    public var answeredQuestions: Set<String>
    public var hasTOTP: Bool
    public var decoyPhones: [String]
    public var decoyEmails: [String]
    /// The question ids a decoy question step of this username asks from (``Decoys/questions``); nil in flows stored
    /// before decoy subsets existed (they ask from the whole catalog).
    public var decoyQuestions: [String]?

    /// True when the flow must never verify (unknown or disabled user).
    public var isDecoy: Bool { userID == nil }

    public init(userID: UUID?, phones: [String], emails: [String], answeredQuestions: Set<String>, hasTOTP: Bool,
                decoyPhones: [String], decoyEmails: [String], decoyQuestions: [String]? = nil) {
        self.userID = userID; self.phones = phones; self.emails = emails; self.answeredQuestions = answeredQuestions
        self.hasTOTP = hasTOTP; self.decoyPhones = decoyPhones; self.decoyEmails = decoyEmails
        self.decoyQuestions = decoyQuestions
    }

    /// The decoys of `usernameKey` in a tenant, from `secret` (the decoy key of ``StableSecret``) and the tenant's
    /// distribution (nil: a tenant without users, so its `emailDomain` and `defaultCountryCode`).
    public static func decoys(secret: SymmetricKey, tenantID: UUID, usernameKey: String, config: RecoveryConfig,
                              distribution: DecoyDistribution? = nil) -> Decoys {
        DecoyGenerator.decoys(key: secret, tenantID: tenantID, usernameKey: usernameKey,
                              distribution: distribution ?? DecoyDistribution(.empty, config: config), catalog: config.questions.map(\.id))
    }
}
