import Foundation

/// What a recovery flow reads of a username when it starts (``RecoveryStore/recoverySubject(tenantID:usernameKey:)``).
public struct RecoverySubject: Sendable, Equatable {
    /// The user the username names, nil when it names none.
    public var userID: UUID?
    /// Whether that user is active (a disabled user gets a decoy flow, like an unknown one).
    public var active: Bool
    /// The user's verified phone numbers (E.164) and email addresses, each in the order they were added.
    public var verifiedPhones: [String]
    public var verifiedEmails: [String]
    /// The ids of the questions the user answered.
    public var answeredQuestions: Set<String>
    /// Whether the user has a TOTP token that is not disabled (a locked or throttled one counts: the flow says it is
    /// locked once an earlier step passed, rather than showing a decoy step).
    public var hasActiveTOTP: Bool

    public init(userID: UUID?, active: Bool, verifiedPhones: [String], verifiedEmails: [String], answeredQuestions: Set<String>,
                hasActiveTOTP: Bool) {
        self.userID = userID; self.active = active; self.verifiedPhones = verifiedPhones; self.verifiedEmails = verifiedEmails
        self.answeredQuestions = answeredQuestions; self.hasActiveTOTP = hasActiveTOTP
    }
}
