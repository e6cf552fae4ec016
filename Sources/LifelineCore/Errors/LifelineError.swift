/// The error type of the core. Extensible: `Code` is a struct over a private enum, so new codes do not break
/// callers that switch over the known ones (the PostgresNIO `PSQLError` pattern).
public struct LifelineError: Error, Sendable, CustomStringConvertible {
    /// What went wrong, as a stable machine-readable code.
    public struct Code: Sendable, Hashable, CustomStringConvertible {
        private enum Base: String, Sendable {
            case invalidRequest = "invalid_request"
            case notFound = "not_found"
            case conflict
            case unauthorized
            case forbidden
            case resyncFailed = "resync_failed"
            case configuration
            case unknownKey = "unknown_key"
            case integrity
            case unavailable
            case rateLimited = "rate_limited"
            case expired
            case actionUnavailable = "action_unavailable"
            case internalError = "internal"
        }
        private let base: Base
        private init(_ base: Base) { self.base = base }

        /// Input that breaks a rule (format, range, enum).
        public static let invalidRequest = Code(.invalidRequest)
        /// The named tenant, user or token does not exist (only for callers allowed to know).
        public static let notFound = Code(.notFound)
        /// A unique name is already taken.
        public static let conflict = Code(.conflict)
        /// No or an unknown credential.
        public static let unauthorized = Code(.unauthorized)
        /// A credential without the needed scope or tenant.
        public static let forbidden = Code(.forbidden)
        /// Two codes did not resynchronise the token.
        public static let resyncFailed = Code(.resyncFailed)
        /// Bad configuration (keys, files, URLs).
        public static let configuration = Code(.configuration)
        /// A ciphertext names a key the ring does not have.
        public static let unknownKey = Code(.unknownKey)
        /// Stored data failed an integrity check.
        public static let integrity = Code(.integrity)
        /// A dependency (database) is not reachable.
        public static let unavailable = Code(.unavailable)
        /// Too many attempts; try again later.
        public static let rateLimited = Code(.rateLimited)
        /// The flow (or grant) ran out of time.
        public static let expired = Code(.expired)
        /// The recovery action is not offered (not unlocked, used, or not available in this version).
        public static let actionUnavailable = Code(.actionUnavailable)
        /// A bug or an impossible state.
        public static let internalError = Code(.internalError)

        /// The snake_case name used in API error bodies.
        public var description: String { base.rawValue }
    }

    public var code: Code
    /// A message safe to show the caller: never a secret, never a stack trace.
    public var message: String

    /// Seconds after which a rate-limited request may be repeated.
    public var retryAfter: Int?

    /// What exactly to fix, translated (password rules broken, the challenge group that is wrong), for clients
    /// that show more than the message.
    public var details: [FlowText]

    public init(_ code: Code, _ message: String, retryAfter: Int? = nil, details: [FlowText] = []) {
        self.code = code; self.message = message; self.retryAfter = retryAfter; self.details = details
    }

    public var description: String { "\(code): \(message)" }
}
