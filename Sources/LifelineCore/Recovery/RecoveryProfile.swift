import Crypto
import Foundation

/// What the verification steps may use of one user: enrolled numbers, addresses, answered questions and
/// whether a TOTP token is usable — plus decoy contacts, derived from a server secret and the username, shown
/// wherever the real ones are missing.
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

    /// True when the flow must never verify (unknown or disabled user).
    public var isDecoy: Bool { userID == nil }

    public init(userID: UUID?, phones: [String], emails: [String], answeredQuestions: Set<String>, hasTOTP: Bool,
                decoyPhones: [String], decoyEmails: [String]) {
        self.userID = userID; self.phones = phones; self.emails = emails; self.answeredQuestions = answeredQuestions
        self.hasTOTP = hasTOTP; self.decoyPhones = decoyPhones; self.decoyEmails = decoyEmails
    }

    /// The decoy contacts of `usernameKey` in a tenant, from `secret`.
    public static func decoys(secret: SymmetricKey, tenantID: UUID, usernameKey: String, config: RecoveryConfig) -> (phones: [String], emails: [String]) {
        let mac = Array(HMAC<SHA256>.authenticationCode(for: Array("decoy|\(tenantID.uuidString.lowercased())|\(usernameKey)".utf8), using: secret))
        let phoneCount = 1 + Int(mac[0] & 1)
        var phones: [String] = []
        for i in 0..<phoneCount {
            // Nine subscriber digits: a plausible mobile length in most numbering plans.
            let digits = (0..<9).map { String(Int(mac[1 + i * 9 + $0]) % 10) }.joined()
            phones.append(config.defaultCountryCode + digits)
        }
        let letters = Array("abcdefghijklmnoprstvw")
        let first = usernameKey.first.flatMap { $0.isLetter && $0.isASCII ? $0 : nil } ?? letters[Int(mac[20]) % letters.count]
        let domains = [config.emailDomain, "gmail.com", "outlook.com", config.emailDomain]
        let local = String(first) + String((0..<6).map { letters[Int(mac[21 + $0]) % letters.count] })
        var emails = [local + "@" + domains[Int(mac[28]) % domains.count]]
        if mac[29] & 1 == 1 { emails.append(String(first) + String((0..<5).map { letters[Int(mac[30 - $0]) % letters.count] }) + "@" + domains[Int(mac[31]) % domains.count]) }
        return (phones, emails)
    }
}
