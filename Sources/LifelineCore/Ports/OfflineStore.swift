import Foundation

/// The rows of offline authentication (issue 17): agents, issued windows (grants), tokens' offline emergency access
/// tokencodes, and users' groups.
///
/// Contract (every adapter; the contract suite checks it on each):
/// - Every method that changes something takes the audit record(s) of that change and writes them in ONE transaction
///   with the change, all or nothing. Exceptions, said on the method: ``touchAgent(id:at:)`` and
///   ``markEmergencyDownloaded(tokenID:at:)`` write no audit (bookkeeping).
/// - A "conditional" write is one atomic conditional update (`UPDATE … WHERE <condition>`, checking the rows changed):
///   when the condition does not hold it writes NOTHING (no audit either) and says so in its result. Of concurrent
///   calls whose condition holds on the same state, the single-use ones succeed exactly once.
/// - A limit of N allows N (as in ``AuthenticatorStore``).
/// - Times are compared with the `now` given (the core's clock), never the database's.
/// - Reads never fail for "not found": they return nil or an empty list.
public protocol OfflineStore: Sendable {
    // MARK: agents

    /// Inserts the agent and its API key together, and appends `audit`. A live agent of the same tenant with the same
    /// name (case-insensitive) → ``LifelineError/Code/conflict``, nothing written.
    func insertAgent(_ agent: Agent, key: APIKey, audit: AuditRecord) async throws
    /// The tenant's agents (live and revoked), by name.
    func agents(tenantID: UUID) async throws -> [Agent]
    func agent(id: UUID) async throws -> Agent?
    /// The agent whose API key is `apiKeyID` (any state), or nil.
    func agent(apiKeyID: String) async throws -> Agent?
    /// Revokes the agent, conditionally (only if not revoked): sets `revoked_at`, revokes its API key (`revoked_at`),
    /// ends every live grant of the agent (reason `agent_revoked`) and appends `audit`. Returns whether it revoked.
    func revokeAgent(id: UUID, now: Date, audit: AuditRecord) async throws -> Bool
    /// Sets the agent's `last_seen_at` to `at` when that is later by at least a minute (no audit: bookkeeping).
    func touchAgent(id: UUID, at: Date) async throws

    // MARK: grants (issued windows)

    /// Ends every live grant of (`grant.tenantID`, `grant.userID`, `grant.agentID`, `grant.machine`) with reason
    /// `replaced`, inserts `grant`, and appends `audit`, in one transaction.
    func issueGrant(_ grant: OfflineGrant, now: Date, audit: AuditRecord) async throws
    /// The live grant of (user, agent, machine), or nil.
    func liveGrant(tenantID: UUID, userID: UUID, agentID: UUID, machine: String) async throws -> OfflineGrant?
    func grant(id: UUID) async throws -> OfflineGrant?
    /// The user's grants at the tenant (any state), newest first, at most `limit`.
    func grants(tenantID: UUID, userID: UUID, limit: Int) async throws -> [OfflineGrant]
    /// A refill, conditionally and single-use: only if grant `oldID` is live, its `refill_hash` equals
    /// `presentedRefillHash` and its `expires_at` > `now`, it ends it (reason `refilled`), inserts `new` and appends
    /// `audit`. Returns whether it did: of concurrent refills with the same token exactly one succeeds.
    func refillGrant(oldID: UUID, presentedRefillHash: [UInt8], new: OfflineGrant, now: Date, audit: AuditRecord) async throws -> Bool
    /// Ends the live grants of the tenant (of `userID` only, when given) with `reason`, and appends `audit` when at least
    /// one ended. Returns how many ended.
    func endGrants(tenantID: UUID, userID: UUID?, reason: String, now: Date, audit: AuditRecord) async throws -> Int
    /// Ends one grant, conditionally (only if live), with `reason`; appends `audit` when it did.
    func endGrant(id: UUID, reason: String, now: Date, audit: AuditRecord) async throws -> Bool

    // MARK: offline emergency access tokencodes

    func emergencyCodes(tokenID: UUID) async throws -> OfflineEmergencyCodes?
    /// Inserts or replaces the token's codes (a reset: `downloaded_at` null, failures 0, `online_use` as given) and
    /// appends `audit`.
    func putEmergencyCodes(_ codes: OfflineEmergencyCodes, audit: AuditRecord) async throws
    /// Sets `online_use`, conditionally (only if the token has codes); resets failures when switched on; appends `audit`.
    func setEmergencyOnlineUse(tokenID: UUID, on: Bool, audit: AuditRecord) async throws -> Bool
    /// Sets `downloaded_at` = `at` (no audit: bookkeeping of a download that is itself audited).
    func markEmergencyDownloaded(tokenID: UUID, at: Date) async throws
    /// Counts one wrong online attempt, conditionally: only if `online_use` and failures < `limit`. The count that
    /// reaches `limit` also switches `online_use` off. Appends `audit` when it counted. Returns the count afterwards,
    /// or nil when nothing was counted.
    func countEmergencyFailure(tokenID: UUID, limit: Int, audit: AuditRecord) async throws -> Int?
    /// Sets failures to 0 after an accepted online use (no audit: the accept's own record is written by the caller).
    func clearEmergencyFailures(tokenID: UUID) async throws

    // MARK: groups

    /// The user's groups, sorted.
    func groups(userID: UUID) async throws -> [String]
    /// Replaces the user's groups with `groups` (already validated) and appends `audit`.
    func setGroups(tenantID: UUID, userID: UUID, groups: [String], audit: AuditRecord) async throws
}
