import Foundation

extension VerificationMethodType {
    /// A code sent by email to a verified address.
    public static let email = VerificationMethodType("email")
}

/// A one-time code sent by email to one of the user's verified addresses (``ContactCodeMethod``). Proves the mailbox.
public struct EmailMethod: ContactCodeMethod {
    public init() {}
    public var type: VerificationMethodType { .email }
    public var channel: MessageChannel { .email }
    public var factor: String? { "mailbox" }
    public var profileData: [ProfileData] { [.emails] }
    /// Why 1800 s at most (default 900): mail may take minutes to arrive, but a longer life helps a guesser and a thief.
    public var defaultLifetime: Int { 900 }
    public var maxLifetime: Int { 1800 }
    public var words: ContactWords {
        ContactWords(prompt: "prompt.choose_address", choiceLabel: "field.address_choice", fieldName: "address", fieldLabel: "field.address",
                     inputType: "email", mismatch: "error.address_mismatch")
    }
    public func contacts(_ profile: RecoveryProfile) -> (real: [String], decoys: [String]) { (profile.emails, profile.decoyEmails) }
    public func normalize(_ typed: String, config: RecoveryConfig) -> String? { ContactFormat.normalizeEmail(typed) }
    public func matches(_ typed: String, _ contact: String) -> Bool { ContactFormat.sameEmail(typed, contact) }
    public func mask(_ contact: String) -> String { ContactFormat.maskEmail(contact) }
}
