import Foundation

/// What a method may use to turn submitted fields into its event: the fields, the flow, and the checks that need
/// storage or slow hashing, which the runner (``RecoveryService``) performs. Narrow on purpose: a method sees no
/// store and no key.
public struct StepEnvironment: Sendable {
    /// The submitted fields, as the client sent them.
    public var fields: [String: String]
    public var flow: RecoveryFlow
    /// True when the current step is a decoy (the checks still do the same work).
    public var decoy: Bool
    /// Checks answers (question id, answer) against the user's hashes (a decoy: against none); every answer is hashed,
    /// right or wrong, on the slow-hash pool.
    public var verifyAnswers: @Sendable (_ answers: [(id: String, answer: String)]) async throws -> Bool
    /// Checks an authenticator code against the user's TOTP tokens (wrong codes count on no token).
    public var checkTOTP: @Sendable (_ code: String) async throws -> RecoveryTOTPResult
    /// Resynchronizes the user's authenticator with two consecutive codes.
    public var resyncTOTP: @Sendable (_ code1: String, _ code2: String) async throws -> Bool
    /// Checks `input` (as typed) against the flow's user's credential of `kind` through the credential registry
    /// (``ValidationService/check(_:tenant:caller:)``): accepted once (consumed, audited, notified as the credential
    /// does), wrong inputs counted on no credential (``CredentialCheck/Guesses/uncounted``: an anonymous flow must not
    /// be able to revoke or lock a user's credentials; the flow's own limits bound the guesses). A decoy step or flow
    /// checks for no user: the same slow work on dummies, never accepted. The one hook for every credential-based
    /// method, so the next one needs no change outside its folder.
    public var checkCredential: @Sendable (_ kind: CredentialKind, _ input: String) async throws -> CredentialOutcome

    public init(fields: [String: String], flow: RecoveryFlow, decoy: Bool,
                verifyAnswers: @escaping @Sendable ([(id: String, answer: String)]) async throws -> Bool = { _ in false },
                checkTOTP: @escaping @Sendable (String) async throws -> RecoveryTOTPResult = { _ in .rejected },
                resyncTOTP: @escaping @Sendable (String, String) async throws -> Bool = { _, _ in false },
                checkCredential: @escaping @Sendable (CredentialKind, String) async throws -> CredentialOutcome = { _, _ in
                    CredentialOutcome(result: .reject, reason: "wrong code")
                }) {
        self.fields = fields; self.flow = flow; self.decoy = decoy
        self.verifyAnswers = verifyAnswers; self.checkTOTP = checkTOTP; self.resyncTOTP = resyncTOTP
        self.checkCredential = checkCredential
    }

    /// The most UTF-8 bytes of one submitted field (an answer, a typed number or address, a code).
    public static let maxFieldBytes = 1024

    /// A required field, trimmed; throws `invalidRequest` when it is missing, empty or too long.
    public func field(_ name: String) throws -> String {
        // Why bytes: a bound in Characters lets combining marks make one "character" any size.
        guard let v = fields[name]?.trimmingCharacters(in: .whitespacesAndNewlines), !v.isEmpty, v.utf8.count <= Self.maxFieldBytes else {
            throw LifelineError(.invalidRequest, "field '\(name)' is required (at most \(Self.maxFieldBytes) bytes)")
        }
        return v
    }

    /// A required code field without spaces and dashes (`123 456`, `123-456`).
    public func code(_ name: String) throws -> String { try field(name).filter { !$0.isWhitespace && $0 != "-" } }
}
