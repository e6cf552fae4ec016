import Crypto
import Foundation

/// An operator's verification of a caller: a short code sent to one of the user's verified contacts, which the caller
/// reads back. At most one per operator (audit actor) and user; a new send replaces it.
public struct CallerVerification: Sendable, Equatable {
    public var id: UUID
    public var tenantID: UUID
    public var userID: UUID
    /// The operator (audit actor) who sent the code; only they can check it and profit from it.
    public var actor: String
    /// Where the code went (`sms` / `email`) and the contact, masked (`+47 *** **12`), for the console.
    public var channel: MessageChannel
    public var maskedRecipient: String
    /// HMAC-SHA256 (hex) of the code (``CallerVerification/hash(code:id:key:)``), empty once verified.
    public var codeHash: String
    /// The key-encryption key id the HMAC key was derived from.
    public var keyID: String
    /// Codes typed so far (right or wrong).
    public var attempts: Int
    public var createdAt: Date
    /// When the code stops being accepted.
    public var expiresAt: Date
    /// Until when the caller counts as verified for this operator (nil: not verified).
    public var verifiedUntil: Date?

    public init(id: UUID, tenantID: UUID, userID: UUID, actor: String, channel: MessageChannel, maskedRecipient: String, codeHash: String,
                keyID: String, attempts: Int = 0, createdAt: Date, expiresAt: Date, verifiedUntil: Date? = nil) {
        self.id = id; self.tenantID = tenantID; self.userID = userID; self.actor = actor; self.channel = channel
        self.maskedRecipient = maskedRecipient; self.codeHash = codeHash; self.keyID = keyID; self.attempts = attempts
        self.createdAt = createdAt; self.expiresAt = expiresAt; self.verifiedUntil = verifiedUntil
    }

    /// Digits of the code. Why 6: read out in one breath; with 5 attempts the odds of a guess are 5 in 10^6.
    public static let codeLength = 6
    /// Why 5 attempts: enough for a misheard digit or two, and a guesser's odds stay at 5 in a million per code.
    public static let maxAttempts = 5
    /// Why 10 minutes: the caller is on the phone and reads the code within a minute; a longer life only helps someone
    /// who got hold of the phone later.
    public static let codeLifetime: TimeInterval = 600
    /// Why 15 minutes (issue 15): one call; the next call verifies again.
    public static let verifiedFor: TimeInterval = 900
    /// Why 60 seconds between sends to one user by one operator: a new code every second would flood the user's phone.
    public static let resendDelay: TimeInterval = 60
    /// The HKDF `info` of the HMAC key (a key of its own, used for nothing else).
    public static let keyInfo = "lifeline/helpdesk/caller-code"

    /// Whether the caller is verified at `now`.
    public func isVerified(at now: Date) -> Bool { verifiedUntil.map { $0 > now } ?? false }

    /// The stored form of a code: HMAC-SHA256 under `key` over the verification's id and the code. Why keyed: a
    /// 6-digit code's plain hash is reversed by trying a million codes; why bound to the id: a hash copied onto
    /// another row does not match that row's code.
    public static func hash(code: String, id: UUID, key: SymmetricKey) -> String {
        HelpdeskCrypto.mac(parts: ["caller-code/v1", id.uuidString.lowercased(), code], key: key)
    }

    /// A contact as the console shows it: the last two characters of a number, the first letter and the domain of an
    /// address. Why masked: an operator need not learn the user's number to verify them.
    public static func mask(_ contact: Contact) -> String {
        let v = contact.value
        if contact.kind == .phone { return String(v.prefix(3)) + " *** " + String(v.suffix(2)) }
        guard let at = v.firstIndex(of: "@") else { return "***" }
        return String(v.prefix(1)) + "***" + String(v[at...])
    }
}

/// How a typed caller code was taken.
public enum CallerCheckResult: Sendable, Equatable {
    /// The code matched: the caller is verified until the date.
    case verified(until: Date)
    /// A wrong code; `attemptsLeft` more may be typed.
    case wrong(attemptsLeft: Int)
    /// No attempt was counted: no code was sent, it expired, was already used, or the attempts are used up.
    case refused
}
