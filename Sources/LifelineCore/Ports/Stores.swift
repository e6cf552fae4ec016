import Foundation

/// Tenants. Contract: names are unique; `insertTenant` throws ``LifelineError/Code/conflict`` for a taken name
/// and writes nothing; a missing tenant is `nil`, never an error.
public protocol TenantStore: Sendable {
    func insertTenant(_ tenant: Tenant, audit: AuditRecord) async throws -> Void
    func tenant(named name: String) async throws -> Tenant?
    func tenant(id: UUID) async throws -> Tenant?
    func tenants() async throws -> [Tenant]
}

/// Users and their contacts. Contract: `(tenantID, usernameKey)` is unique (``LifelineError/Code/conflict``);
/// each mutation and its audit record are written in one transaction or not at all. Contacts are added through the
/// ``TransactionStore`` (``TransactionStore/insertContact(_:username:audit:)``), with their consequences.
public protocol UserStore: Sendable {
    func insertUser(_ user: User, contacts: [Contact], audit: AuditRecord) async throws -> Void
    func user(tenantID: UUID, username: String) async throws -> User?
    func user(id: UUID) async throws -> User?
    func users(tenantID: UUID) async throws -> [User]
    /// Throws ``LifelineError/Code/notFound`` (writing nothing) when the user does not exist.
    func updateUser(_ user: User, audit: AuditRecord) async throws -> Void
    func contacts(userID: UUID) async throws -> [Contact]
    /// Deletes the contact `id` of the user `userID` and appends `audit`, in one transaction; false (nothing written)
    /// when the user has no such contact.
    func deleteContact(id: UUID, userID: UUID, audit: AuditRecord) async throws -> Bool
}

/// OTP tokens with their sealed secrets.
///
/// Contract: every method that changes a token takes the audit record of that change and writes both in one
/// transaction. ``consume(tokenID:step:drift:audit:)`` is the single-use guard: it must be one atomic
/// conditional update, so that any number of concurrent calls with the same step succeed exactly once. Tokens are
/// enrolled, set active or disabled, and unlocked through the ``TransactionStore`` (``UnitOfWork/Operation``), with
/// their consequences (``EmergencyCodeRules``).
public protocol TokenStore: Sendable {
    /// All tokens of a user, with secrets, for validation.
    func storedTokens(userID: UUID) async throws -> [StoredToken]
    /// The user `username` of the tenant (case-insensitive) with all their tokens and secrets, nil when there is no
    /// such user: what a validation reads, in one query.
    func userAndTokens(tenantID: UUID, username: String) async throws -> (user: User, tokens: [StoredToken])?
    func storedToken(id: UUID, tenantID: UUID) async throws -> StoredToken?
    func tokens(tenantID: UUID, userID: UUID?) async throws -> [Token]
    /// Records an accepted code: sets `last_used = step`, the drift, (HOTP) `counter = step + 1`, clears the fail
    /// counter and the throttle — only if the token is active, not throttled at `now`, its fail counter still equals
    /// `seenFailCount` (what the check read) and `last_used` is null or below `step`. Returns whether it did (false: a
    /// concurrent request used that step first, recorded a failure first, or the token is no longer active).
    ///
    /// Why the fail counter is compared: of concurrent guesses checked against the same stored state, only the first
    /// to write counts (a success or a failure); so a burst of parallel requests is worth one guess, not one each.
    /// For a token with a PIN it also requires the PIN not blocked (PIN fail counter below ``TokenPIN/maxFailures``)
    /// and clears the PIN fail counter: a burst of wrong PINs that blocked the PIN first leaves no accept behind it.
    func consume(tokenID: UUID, step: Int64, drift: Int64, seenFailCount: Int, now: Date, audit: AuditRecord) async throws -> Bool
    /// Records one failed code on each token of `failures` whose fail counter still equals the one the check read
    /// (a compare-and-set: see ``consume(tokenID:step:drift:seenFailCount:now:audit:)``): the counter becomes
    /// `seenFailCount + 1`, the throttle `throttledUntil`, and the state `locked` when `lock` says so. Only active
    /// tokens change. Appends `audit`. One transaction.
    ///
    /// A failure with ``TokenFailure/wrongPIN`` counts on the token's PIN instead: its PIN fail counter goes up by one
    /// unless it already reached ``TokenPIN/maxFailures`` — an atomic increment, not a compare-and-set, so that
    /// concurrent wrong PINs count each until the limit (a limit of 3 allows 3, also in a burst), and the OTP fail
    /// counter and throttle stay as they are.
    func recordFailure(_ failures: [TokenFailure], audit: AuditRecord) async throws -> Void
    /// Sets the verifier of the token's PIN (nil: removes the PIN) and clears its PIN fail counter (unblocks the PIN),
    /// with `audit`, in one transaction; returns the token as stored, or nil (nothing written) when the tenant has no
    /// such token.
    func setPIN(tokenID: UUID, tenantID: UUID, pin: TokenPINVerifier?, audit: AuditRecord) async throws -> Token?
    /// Stores the result of a two-code resync: `last_used = step`, the drift and (HOTP) `counter = step + 1`, only if
    /// `step` is above `last_used`. Unlike `consume` it works in any state and leaves the state and the fail counter
    /// alone (an administrator resyncs; unlocking is a separate, audited `setState`). Returns whether it stored.
    func resync(tokenID: UUID, step: Int64, drift: Int64, audit: AuditRecord) async throws -> Bool
    func deleteToken(id: UUID, tenantID: UUID, audit: AuditRecord) async throws -> Bool
    /// Every sealed secret, for key rotation.
    func sealedSecrets() async throws -> [(id: UUID, secret: SealedSecret)]
    /// Replaces a sealed secret only if it still equals `old` (so a concurrent change is never overwritten).
    func reseal(tokenID: UUID, old: SealedSecret, new: SealedSecret) async throws -> Bool
}

/// One failed code on one token, as ``TokenStore/recordFailure(_:audit:)`` stores it; the validation service computes it
/// from the token it read and the OTP policy (``OTPPolicy/throttleDelay(afterFailures:)``).
public struct TokenFailure: Sendable, Equatable {
    public var tokenID: UUID
    /// The fail counter the check read; the failure is stored only if it is still the stored one.
    public var seenFailCount: Int
    /// The end of the throttle this failure starts (nil: none yet).
    public var throttledUntil: Date?
    /// Whether this failure reaches the token's `maxFail` and locks it.
    public var lock: Bool
    /// A wrong PIN (``TokenPIN``): counted on the PIN fail counter, not the OTP's (`seenFailCount`, `throttledUntil`
    /// and `lock` are then ignored).
    public var wrongPIN: Bool

    public init(tokenID: UUID, seenFailCount: Int, throttledUntil: Date?, lock: Bool, wrongPIN: Bool = false) {
        self.tokenID = tokenID; self.seenFailCount = seenFailCount; self.throttledUntil = throttledUntil; self.lock = lock
        self.wrongPIN = wrongPIN
    }

    /// A wrong PIN on `token` (`lock`: it reaches ``TokenPIN/maxFailures`` and blocks the PIN, for the lockout report;
    /// the store counts it either way).
    public static func wrongPIN(of token: Token) -> TokenFailure {
        TokenFailure(tokenID: token.id, seenFailCount: token.pinFailCount, throttledUntil: nil,
                     lock: token.pinFailCount + 1 >= TokenPIN.maxFailures, wrongPIN: true)
    }
}

/// API keys. Contract: keys are looked up by their public id; the secret is never stored.
///
/// ``apiKey(id:)`` may answer from a cache, but never from one older than a few seconds (the SQL store: 2 s): a
/// key revoked or deleted by any process is seen as such by every store within that interval.
public protocol APIKeyStore: Sendable {
    func insertAPIKey(_ key: APIKey, audit: AuditRecord) async throws -> Void
    func apiKey(id: String) async throws -> APIKey?
    /// Every key (nil) or the keys of one tenant, oldest first, read from the database (not a cache).
    func apiKeys(tenantID: UUID?) async throws -> [APIKey]
    /// Sets the key's `revoked_at` to `at` unless it is already revoked, and appends `audit` in the same transaction
    /// only when it changed. Returns the key as stored afterwards and whether this call revoked it; nil when there
    /// is no such key.
    func revokeAPIKey(id: String, at: Date, audit: AuditRecord) async throws -> (key: APIKey, revoked: Bool)?
    /// Notes that `key` was used at `at`. Writes `last_used_at` at most once per key per minute per process (why:
    /// the validate hot path must not pay a write per request), so the stored time lags the last use by < 60 s.
    func recordAPIKeyUse(_ key: APIKey, at: Date) async throws
}

/// The append-only, hash-chained audit log: one chain per tenant and one for events without a tenant (see
/// ``AuditRecord/chain``). Contract: appends to one chain are serialized, so no chain forks, even with several server
/// processes on one database; appends to different chains need not wait for each other.
public protocol AuditLog: Sendable {
    func append(_ record: AuditRecord) async throws -> Void
    /// Newest first, at most `limit`, of one tenant or (nil) all.
    func recentEvents(tenant: String?, limit: Int) async throws -> [AuditEvent]
    /// Verifies every chain in sequence order: the whole of each, or the events after `start[chain]` (an event
    /// verified before). With an `anchor`, also that each anchored chain still holds its anchored event unchanged;
    /// throws ``LifelineError/Code/integrity`` for an anchor whose MAC does not match. The result's `heads` are the
    /// chains' last events.
    func verifyChain(anchor: AuditAnchor?, after start: [String: AuditEvent]) async throws -> AuditChain.Verification
    /// Verifies the events after `start` (empty: all) and, if they verify, makes an anchor of every chain's last
    /// event (nil when a chain is broken or there is no key).
    func anchorChain(time: Date, after start: [String: AuditEvent]) async throws -> (anchor: AuditAnchor?, verification: AuditChain.Verification)
}

extension AuditLog {
    /// Verifies every chain whole.
    public func verifyChain() async throws -> AuditChain.Verification { try await verifyChain(anchor: nil, after: [:]) }
}

/// Whether the database answers (for `/ready`).
public protocol HealthProbe: Sendable {
    func isReachable() async -> Bool
}

/// Everything the core needs from storage: what the composition root hands out. Each service declares the narrower
/// set it uses (e.g. ``AdminService/Storage``).
public typealias LifelineStorage = TenantStore & UserStore & TokenStore & APIKeyStore & AuditLog & HealthProbe & RecoveryStore & OutboxStore & DirectoryAccountStore
    & EmergencyCodeStore & CardStore & GuessBudgetStore & ServerSecretStore & TransactionStore & RecoveryCodeStore & ConsoleQueryStore
    & HelpdeskStore & AuthenticatorStore & LostTokenStore
