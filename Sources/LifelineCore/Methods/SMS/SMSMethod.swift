import Foundation

extension VerificationMethodType {
    /// A code sent by SMS to a verified phone number.
    public static let sms = VerificationMethodType("sms")
}

/// A one-time code sent by SMS to one of the user's verified numbers (``ContactCodeMethod``). Proves the phone.
public struct SMSMethod: ContactCodeMethod {
    public init() {}
    public var type: VerificationMethodType { .sms }
    public var channel: MessageChannel { .sms }
    public var factor: String? { "phone" }
    public var profileData: [ProfileData] { [.phones] }
    /// Why 600 s at most (default 300): an SMS is read within minutes, and a longer life helps a guesser and a thief.
    public var defaultLifetime: Int { 300 }
    public var maxLifetime: Int { 600 }
    public var words: ContactWords {
        ContactWords(prompt: "prompt.choose_number", choiceLabel: "field.number_choice", fieldName: "number", fieldLabel: "field.number",
                     inputType: "tel", mismatch: "error.number_mismatch")
    }
    public func contacts(_ profile: RecoveryProfile) -> (real: [String], decoys: [String]) { (profile.phones, profile.decoyPhones) }
    public func normalize(_ typed: String, config: RecoveryConfig) -> String? {
        ContactFormat.normalizePhone(typed, defaultCountryCode: config.defaultCountryCode)
    }
    public func matches(_ typed: String, _ contact: String) -> Bool { ConstantTime.equals(typed, contact) }
    public func mask(_ contact: String) -> String { ContactFormat.maskPhone(contact) }
}
