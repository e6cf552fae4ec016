import Foundation

/// The HTTP protocol between a laptop agent and the server (`/api/v1/agent/...`, issue 17), as Codable values both
/// sides use. JSON keys are snake_case; byte strings are base64 (standard alphabet, padded). Every request carries the
/// agent's API key (`Authorization: Bearer ll_…`, role `agent`).
public enum OfflineWire {
    /// Path prefix of the agent API.
    public static let pathPrefix = "/api/v1/agent"

    /// `POST /authenticate`: an online authentication of `user` at `machine`, with the passcode the user typed
    /// (PIN ‖ tokencode for a token with a PIN, the tokencode alone otherwise). On success, and when the tenant's policy
    /// allows it, the answer carries the user's offline data for this machine.
    public struct AuthenticateRequest: Codable, Sendable, Equatable {
        public var user: String
        public var passcode: String
        /// The machine's name as the agent knows it (its host name): 1–64 printable characters.
        public var machine: String
        public init(user: String, passcode: String, machine: String) { self.user = user; self.passcode = passcode; self.machine = machine }
    }

    /// The answer to ``AuthenticateRequest`` and ``RefillRequest``.
    public struct AuthenticateResponse: Codable, Sendable, Equatable {
        /// `accept` or `reject` (authenticate); `refilled` or `revoked` (refill).
        public var result: String
        /// The offline data (nil: none issued; see `offlineReason`).
        public var offline: OfflineData?
        /// The refill token of `offline` (43 base64url characters, 256 bits): shown once, rotated at every refill.
        public var refillToken: String?
        /// Why no offline data was issued (`offline_not_allowed`, `passcode_too_short`, `no_time_token`, …), or why the
        /// data ended (`revoked`: `policy_changed`, `token_changed`, `agent_revoked`, …). Only after an accepted
        /// passcode or a valid refill token, so it tells nothing about a username.
        public var offlineReason: String?
        enum CodingKeys: String, CodingKey {
            case result, offline
            case refillToken = "refill_token", offlineReason = "offline_reason"
        }
        public init(result: String, offline: OfflineData? = nil, refillToken: String? = nil, offlineReason: String? = nil) {
            self.result = result; self.offline = offline; self.refillToken = refillToken; self.offlineReason = offlineReason
        }
    }

    /// `POST /refill`: extends the user's offline data at this machine without a new passcode, with the refill token of
    /// the last download. Answers `refilled` with new data and a new token (the old one is spent), or `revoked` (the
    /// agent must wipe the user's data: the policy changed, the token or PIN changed, the data was revoked).
    public struct RefillRequest: Codable, Sendable, Equatable {
        public var user: String
        public var machine: String
        public var refillToken: String
        enum CodingKeys: String, CodingKey { case user, machine; case refillToken = "refill_token" }
        public init(user: String, machine: String, refillToken: String) { self.user = user; self.machine = machine; self.refillToken = refillToken }
    }
}

/// One user's offline authentication data for one machine (``OfflineConstruction``): what the agent stores and
/// verifies against while the server is unreachable.
public struct OfflineData: Codable, Sendable, Equatable {
    /// ``OfflineConstruction/version``.
    public var version: Int
    /// The issue (grant) id: names this window in the server's records and in the agent's refill.
    public var grantID: String
    public var tenant: String
    public var user: String
    public var machine: String
    /// Seconds per time step of the token (30 for a usual TOTP token).
    public var period: Int
    /// Digits of the tokencode.
    public var digits: Int
    /// Whether the passcode starts with the token's PIN (SecurID-style tokens); false for app tokens.
    public var pin: Bool
    /// The first step covered, and how many steps follow (`days × 86400 / period`).
    public var firstStep: Int64
    public var steps: Int
    /// Unix seconds after which the data verifies nothing (the end of the window).
    public var expiresAt: Int64
    /// The window's salt (``OfflineConstruction/saltBytes``, base64).
    public var salt: String
    /// Bits of the hidden value per step (``OfflineConstruction/hiddenBits``).
    public var hiddenBits: Int
    /// The tags of steps `firstStep ..< firstStep + steps`, each ``OfflineConstruction/tagBytes`` bytes, concatenated (base64).
    public var tags: String
    /// Local failed verifications at which the agent wipes this user's data (the policy's `max_failures`).
    public var maxFailures: Int
    /// The offline emergency access tokencodes' verifiers (nil: the policy does not permit them or none exists).
    public var emergency: OfflineEmergencyData?

    enum CodingKeys: String, CodingKey {
        case version, tenant, user, machine, period, digits, pin, steps, salt, tags, emergency
        case grantID = "grant_id", firstStep = "first_step", expiresAt = "expires_at", hiddenBits = "hidden_bits", maxFailures = "max_failures"
    }

    public init(version: Int = OfflineConstruction.version, grantID: String, tenant: String, user: String, machine: String, period: Int,
                digits: Int, pin: Bool, firstStep: Int64, steps: Int, expiresAt: Int64, salt: String, hiddenBits: Int, tags: String,
                maxFailures: Int, emergency: OfflineEmergencyData?) {
        self.version = version; self.grantID = grantID; self.tenant = tenant; self.user = user; self.machine = machine
        self.period = period; self.digits = digits; self.pin = pin; self.firstStep = firstStep; self.steps = steps
        self.expiresAt = expiresAt; self.salt = salt; self.hiddenBits = hiddenBits; self.tags = tags
        self.maxFailures = maxFailures; self.emergency = emergency
    }
}

/// The verifiers of a token's offline emergency access tokencodes (``OfflineConstruction/emergencyVerifier(salt:kind:input:)``),
/// travelling inside the offline data so that they are on the laptop before the user needs them.
public struct OfflineEmergencyData: Codable, Sendable, Equatable {
    /// Verifier of the `tokencode` kind (base64), nil when not issued.
    public var tokencode: String?
    /// Verifier of the `passcode` kind (base64), nil when not issued.
    public var passcode: String?
    /// Unix seconds after which neither is accepted.
    public var expiresAt: Int64
    enum CodingKeys: String, CodingKey { case tokencode, passcode; case expiresAt = "expires_at" }
    public init(tokencode: String?, passcode: String?, expiresAt: Int64) { self.tokencode = tokencode; self.passcode = passcode; self.expiresAt = expiresAt }
}
