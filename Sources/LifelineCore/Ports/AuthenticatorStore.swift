import Foundation

/// The Lifeline Authenticator's rows (issue 16): activations, devices (apps), links (app × organization), challenges,
/// online codes, unblocking codes (UBC) and operator-held PIN resets.
///
/// Contract (every adapter; the contract suite checks it on each):
/// - Every method that changes something takes the audit record(s) of that change and writes them, and the outbox
///   messages it is given, in ONE transaction with the change, all or nothing. Exceptions, said on the method:
///   ``insertChallenge(_:now:)``, ``takeChallenge(hash:deviceID:now:)`` and ``touchDevice(id:at:)`` write no audit
///   (why: they are bookkeeping of unauthenticated or every-request traffic; the signed request's own outcome is
///   audited).
/// - A "conditional" write is one atomic conditional update (`UPDATE … WHERE <condition>`, checking the rows changed):
///   when the condition does not hold it writes NOTHING (no audit either) and says so in its result. Of any number of
///   concurrent calls whose condition holds on the same state, the single-use ones succeed exactly once.
/// - A limit of N allows N: a counter with limit N counts while it is below N, and the write that makes it N is the
///   one that blocks (so N wrong entries are counted, the N+1st is not, and the block happens once).
/// - Times are compared with the `now` given (the core's clock), never the database's.
/// - Reads never fail for "not found": they return nil or an empty list.
/// - A user has at most one link that is not `deactivated` per tenant; a device at most one per tenant.
public protocol AuthenticatorStore: Sendable {
    // MARK: activations

    /// Stores a new activation (its code's hash is unique: a duplicate throws ``LifelineError/Code/conflict``) and
    /// appends `audit`.
    func insertActivation(_ activation: AuthenticatorActivation, audit: AuditRecord) async throws
    /// The activation whose code hashes to `codeHash` (any state), or nil.
    func activation(codeHash: String) async throws -> AuthenticatorActivation?
    /// Completes an activation, conditionally and in one transaction:
    /// 1. claims the activation `enrolment.activationID`: only if `used_at` is null and `expires_at` > `now`, it sets
    ///    `used_at = now` (single use: of concurrent completions exactly one gets past this step); else returns
    ///    ``AuthenticatorEnrolmentResult/activationUnusable``;
    /// 2. with `newDevice`, inserts it; without, the existing device `link.deviceID` must have `pin_failures` <
    ///    `maxPINFailures` and at least one link that is not blocked, or none that is live (else
    ///    ``AuthenticatorEnrolmentResult/pinBlocked``, nothing written, the claim undone) — then its `pin_failures`
    ///    becomes 0 (the app proved its PIN) and `last_seen_at` = `now`;
    /// 3. deactivates (state `deactivated`, `deactivated_at` = `now`) every live link of (`link.tenantID`,
    ///    `link.userID`) and every live link of the device at `link.tenantID`, and deletes their online codes;
    /// 4. inserts `link`;
    /// 5. queues `outboxIfReplaced` only if step 3 deactivated at least one link (the previous owner is told);
    /// 6. appends `audit`.
    /// Returns ``AuthenticatorEnrolmentResult/done(replaced:)`` with the ids step 3 deactivated.
    func completeActivation(_ enrolment: AuthenticatorEnrolment, now: Date, maxPINFailures: Int, outboxIfReplaced: [OutboxMessage],
                            audit: [AuditRecord]) async throws -> AuthenticatorEnrolmentResult

    // MARK: devices and links (reads)

    func authenticatorDevice(id: UUID) async throws -> AuthenticatorDevice?
    /// Every link of the device (all tenants, any state), oldest first.
    func authenticatorLinks(deviceID: UUID) async throws -> [AuthenticatorLink]
    /// Every link of the user at the tenant (any state) with its device, newest first: the console's device list.
    func authenticatorLinks(tenantID: UUID, userID: UUID) async throws -> [(link: AuthenticatorLink, device: AuthenticatorDevice)]
    /// The user's live link at the tenant with its device, all the device's links, the user's UBC at the tenant and
    /// the link's online code — nil when the user has no live link there. One or two queries: what a validation reads.
    func currentAuthenticator(tenantID: UUID, userID: UUID) async throws -> AuthenticatorCurrent?
    /// Sets the device's `last_seen_at` to `at` when that is later (no audit: bookkeeping).
    func touchDevice(id: UUID, at: Date) async throws

    // MARK: challenges

    /// Stores a challenge (no audit: see the contract) and may delete challenges expired at `now`.
    func insertChallenge(_ challenge: AuthenticatorChallenge, now: Date) async throws
    /// The single-use take: deletes the challenge `hash` of `deviceID` and returns true only if it exists, belongs to
    /// that device and `expires_at` > `now` (one atomic `DELETE … WHERE … RETURNING`/rows-changed check: of concurrent
    /// takes exactly one is true). No audit.
    func takeChallenge(hash: String, deviceID: UUID, now: Date) async throws -> Bool

    // MARK: the PIN

    /// Counts one wrong PIN of the device, conditionally and atomically: only if `pin_failures` < `maxFailures`
    /// (`UPDATE … SET pin_failures = pin_failures + 1 WHERE id = ? AND pin_failures < ?`). When the count reaches
    /// `maxFailures`, the same transaction blocks every link of the device that is `active` (state `blocked`, reason
    /// `pin_failures`, `blocked_at` = `now`), deletes their online codes and appends `blockAudit` too. Appends `audit`
    /// when it counted. Returns the count afterwards, or nil when nothing was counted (the limit was already reached,
    /// or no such device): so 10 concurrent wrong PINs count exactly `maxFailures`.
    func recordWrongPIN(deviceID: UUID, maxFailures: Int, now: Date, audit: AuditRecord, blockAudit: [AuditRecord]) async throws -> AuthenticatorPINCount?
    /// A correct PIN for an online code, conditionally: only if the link `code.linkID` is `active` and belongs to
    /// `deviceID`, and the device's `pin_failures` < `maxPINFailures` — then sets `pin_failures` = 0, `last_seen_at`
    /// = `now`, makes `code` the link's one online code (replacing any earlier one, used or not; the new one unused) and
    /// appends `audit`. Returns whether it did (false: blocked or deactivated meanwhile — a correct PIN never undoes a
    /// block).
    func issueOnlineCode(_ code: AuthenticatorOnlineCode, deviceID: UUID, maxPINFailures: Int, now: Date, audit: AuditRecord) async throws -> Bool
    /// The single-use use of an online code at validate: marks the link's online code used (`used_at` = `now`; one
    /// conditional `UPDATE … WHERE used_at IS NULL AND expires_at > now`: of concurrent uses exactly one is true) only if
    /// its hash equals `codeHash`, it is unused, `expires_at` > `now` and the link is `active`; appends `audit` when it
    /// did. Returns whether it did. The used code is KEPT, readable through
    /// ``currentAuthenticator(tenantID:userID:)`` with its ``AuthenticatorOnlineCode/usedAt``, until a new code replaces
    /// it or the link is blocked or deactivated (why: so that a replay is recognised as that code and refused uncounted,
    /// not taken for a wrong PIN).
    func consumeOnlineCode(linkID: UUID, codeHash: String, now: Date, audit: AuditRecord) async throws -> Bool
    /// The single-use use of an offline code's step at validate (a correct PIN): only if the link is `active`, its
    /// `last_step` is null or below `step`, and its device's `pin_failures` < `maxPINFailures` — sets `last_step` =
    /// `step`, the device's `pin_failures` = 0 and `last_seen_at` = `now`, appends `audit`. Returns whether it did (of
    /// concurrent uses of one step exactly one is true).
    func consumeOfflineStep(linkID: UUID, step: Int64, maxPINFailures: Int, now: Date, audit: AuditRecord) async throws -> Bool
    /// Sets a new PIN and unblocks ONE link, conditionally and in one transaction. Conditions: the link `change.linkID`
    /// belongs to `change.deviceID` and is not `deactivated`; for ``AuthenticatorPINChange/Authority/ubc(id:)`` the
    /// UBC `id` is the link's (tenant, user)'s, unexpired at `now` and has failures < `maxUBCFailures`; for
    /// ``AuthenticatorPINChange/Authority/operatorReset`` the (tenant, user) has a PIN reset open at `now`; with
    /// `change.step`, the link's `last_step` is null or below it. Then: deletes the UBC / the PIN reset (single use),
    /// sets the device's `pin_verifier`, `pin_length`, `pin_failures` = 0 and `last_seen_at` = `now`, sets the link
    /// `active` (clearing the block; `last_step` = `step` when given), queues `outbox`, appends `audit`. Other links of
    /// the device stay as they are (each organization is unblocked with its own UBC). Returns whether it did.
    func setPIN(_ change: AuthenticatorPINChange, maxUBCFailures: Int, now: Date, outbox: [OutboxMessage], audit: [AuditRecord]) async throws -> Bool

    // MARK: the operator's actions

    /// "Block PIN" at one tenant: blocks the user's `active` link there (reason `operator`, `blocked_at` = `now`),
    /// deletes its online code, appends `audit`. Returns whether a link was blocked (false: none active).
    func blockLink(tenantID: UUID, userID: UUID, now: Date, audit: AuditRecord) async throws -> Bool
    /// Makes `ubc` the one UBC of its (tenant, user), replacing any earlier one (any state), and appends `audit`.
    func putUBC(_ ubc: AuthenticatorUBC, audit: AuditRecord) async throws
    /// The user's UBC at the tenant (any state), or nil.
    func authenticatorUBC(tenantID: UUID, userID: UUID) async throws -> AuthenticatorUBC?
    /// Counts one wrong entry of the UBC `id`, conditionally and atomically: only if it still exists, `expires_at` >
    /// `now` and `failures` < `maxFailures`. Appends `audit` when it counted (and `blockAudit` too when this made it
    /// `maxFailures`: blocked). Returns the failures afterwards, or nil when nothing was counted.
    func countUBCFailure(id: UUID, maxFailures: Int, now: Date, audit: AuditRecord, blockAudit: [AuditRecord]) async throws -> Int?
    /// Opens (or re-opens, replacing) the operator-held PIN reset of its (tenant, user) and appends `audit`.
    func putPINReset(_ reset: AuthenticatorPINReset, audit: AuditRecord) async throws
    /// The (tenant, user)'s PIN reset (open or expired), or nil.
    func pinReset(tenantID: UUID, userID: UUID) async throws -> AuthenticatorPINReset?
}
