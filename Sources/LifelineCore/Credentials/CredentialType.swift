import Foundation

/// One type of credential that validation checks: OTP tokens, recovery codes, the emergency code. Each lives in a
/// folder of its own under `Credentials/` and is registered with one line in ``CredentialRegistry``.
///
/// Contract:
/// - ``check(_:)`` does the same work for an unknown user (``CredentialAttempt/user`` nil) as for a real one of
///   the same input shape (decoy lookups, hashes), so timing does not tell whether a user exists or has the credential.
/// - It consumes the credential atomically on accept (single use, also under concurrency) and writes the accept's audit
///   record with it. It never records a failure itself: a wrong input counts on at most one credential, chosen by
///   ``ValidationService`` (the first ``CredentialMiss/guess`` in registry order).
protocol CredentialType: Sendable {
    /// The type's kind (its folder declares the constant in an extension of ``CredentialKind``).
    static var kind: CredentialKind { get }
    /// The type's own input form: `typed` as this type reads it (canonical: case, separators), or nil when it cannot be
    /// one of its credentials. Pure and cheap (no lookup), so the answer is the same for every user.
    static func normalize(_ typed: String) -> String?
    /// What the type accepts, for the refusal of an input no type accepts ("6 to 8 digits", "a recovery code (…)").
    static var inputDescription: String { get }

    init(_ dependencies: CredentialDependencies)
    /// Checks the input's form of this type (``CredentialAttempt/input``; nil: the input cannot be one of its credentials).
    func check(_ attempt: CredentialAttempt) async throws -> CredentialVerdict
}

extension CredentialType {
    var kind: CredentialKind { Self.kind }
}

/// One check of one input for one user, as each credential type sees it.
struct CredentialAttempt: Sendable {
    let request: CredentialCheck
    let tenant: Tenant?
    /// The active user whose credentials are checked; nil for an unknown or disabled user or a decoy flow.
    let user: User?
    /// The user's OTP tokens in the request's ``CredentialCheck/TokenScope``.
    let tokens: [StoredToken]
    /// All the user's tokens (whether an input could be a guess at one of them).
    let allTokens: [StoredToken]
    let now: Date
    let audit: @Sendable (_ outcome: String, _ reason: String) -> AuditRecord

    var unixTime: Int64 { Int64(now.timeIntervalSince1970.rounded(.down)) }

    /// The input in the form of `type`, or nil when it cannot be one of its credentials.
    func input<T: CredentialType>(for type: T) -> String? { request.input[T.kind] }
}

/// What one credential type found.
enum CredentialVerdict: Sendable {
    /// The input was accepted and consumed; `tokenID`: the OTP token it was for, when it was for one.
    case accepted(reason: String, tokenID: UUID? = nil)
    /// The input is this credential, but it cannot be used (used up, expired, revoked, lost a race): reject and count
    /// it nowhere. Why: the submitter knows the (former) credential, so it is no guess, and counting it would let a
    /// user lock themselves out by re-typing an old code.
    case refused(reason: String)
    /// The input did not match (or the type does not apply to its shape).
    case miss(CredentialMiss)
}

/// A non-match, with what the caller may see and how to count it as a guess.
struct CredentialMiss: Sendable {
    var result: CheckResult = .reject
    var reason: String
    var throttledUntil: Date? = nil
    /// How to record the input as a guess at this credential (nil: it is no guess at it, e.g. the wrong shape or no
    /// usable credential). Given the reject's audit record, which it must write.
    var guess: (@Sendable (AuditRecord) async throws -> Void)? = nil
    /// The tokens that recording the guess locks (reported as lockouts, ``LimitKind/tokenLockout``).
    var locks: [UUID] = []
    /// False when the type does not apply to the input's shape (its result and reason are then not the check's).
    var applies = true

    /// The type did not apply: no work was asked of it for this input.
    static let notApplicable = CredentialMiss(reason: "not applicable", applies: false)
}
