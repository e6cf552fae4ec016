import Foundation
import LifelineCore
import Synchronization

/// Every storage port of the core (``LifelineStorage``, the transaction port included) in memory, for unit tests of
/// the services that need no database.
///
/// Faithful to the ports' contracts, not to SQL: each write runs on a copy of the whole state under one lock and is
/// committed only if it did not throw, so every method is atomic and all-or-nothing like one database transaction,
/// and the compare-and-sets (flows, single-use consume, fail counters, emergency-code uses, counters with limits)
/// hold under any concurrency. The audit log is hash-chained per chain (``AuditRecord/chain``) with
/// ``AuditChain/append(_:after:key:)``, keyed when a vault is given, exactly as the SQL store chains it.
public final class InMemoryStore: Sendable {
    struct State: Sendable {
        var tenants: [UUID: Tenant] = [:]
        var users: [UUID: User] = [:]
        var contacts: [Contact] = []
        var tokens: [UUID: StoredToken] = [:]
        var apiKeys: [String: APIKey] = [:]
        var events: [AuditEvent] = []
        var heads: [String: (seq: Int64, hash: String)] = [:]
        var configs: [UUID: RecoveryConfig] = [:]
        var answers: [UUID: [String: String]] = [:]
        var flows: [UUID: RecoveryFlow] = [:]
        var counters: [String: (count: Int, updatedAt: Date)] = [:]
        var outbox: [OutboxMessage] = []
        var directory: [UUID: BuiltinAccountState] = [:]
        var codes: [UUID: StoredEmergencyCode] = [:]
        /// Lost tokens' records, by token id.
        var lostTokens: [UUID: LostToken] = [:]
        var cards: [UUID: StoredCard] = [:]
        var budgets: [String: (key: GuessBudgetKey, state: GuessBudgetState, updatedAt: Date)] = [:]
        var passes: [String: BudgetPass] = [:]
        var secrets: [String: SealedSecret] = [:]
        var recoveryCodeSets: [UUID: RecoveryCodeSet] = [:]
        var recoveryCodes: [UUID: [String: StoredRecoveryCode]] = [:]
        var directoryLinks: [UUID: DirectoryUserLink] = [:]
        var directoryLookups: [String: Date] = [:]
        var directorySyncRuns: [DirectorySyncRun] = []
        var helpdesk = HelpdeskState()
        var authenticator = AuthenticatorState()
        var offline = OfflineState()
        var operators: [UUID: Operator] = [:]
        var operatorSessions: [UUID: OperatorSession] = [:]
        var operatorEnrolments: [String: OperatorEnrolment] = [:]
    }

    let state = Mutex(State())
    let vault: (any KeyVault)?

    /// `vault`: the key ring whose chain key MACs the audit events (nil: the legacy unkeyed form).
    public init(vault: (any KeyVault)? = nil) { self.vault = vault }

    /// Reads the state.
    func read<R>(_ body: (State) throws -> R) rethrows -> R { try state.withLock { try body($0) } }

    /// Runs `body` on a copy of the state and keeps the copy only if `body` returned: one transaction.
    func write<R>(_ body: (inout State) throws -> R) rethrows -> R {
        try state.withLock { current in
            var copy = current
            let result = try body(&copy)
            current = copy
            return result
        }
    }

    /// The chain key for the next event. Also the suspension point of every audited write: a database write
    /// suspends the caller, and without one here concurrent callers would run one after another, so tests of the
    /// compare-and-set guards could pass against a store that has none.
    func auditKey() async throws -> AuditKey? {
        await Task.yield()
        guard let vault else { return nil }
        return AuditKey.current(in: try await vault.ring())
    }

    /// Appends `record` to its chain inside a write.
    static func append(_ record: AuditRecord, key: AuditKey?, to s: inout State) {
        let event = AuditChain.append(record, after: s.heads[record.chain], key: key)
        s.events.append(event)
        s.heads[record.chain] = (event.seq, event.hash)
    }

    /// Every audit event in the order appended (for tests).
    public func auditEvents() -> [AuditEvent] { read { $0.events } }
    /// Every outbox message in the order inserted (for tests: the fake outbox).
    public func outboxMessages() -> [OutboxMessage] { read { $0.outbox } }

    static func usable(_ code: StoredEmergencyCode, at now: Date) -> Bool {
        let s = code.state
        return s.status == .active && (s.expiresAt.map { $0 > now } ?? true) && (s.usesLeft.map { $0 > 0 } ?? true)
    }

    static func revokeCode(userID: UUID, reason: String, at now: Date, in s: inout State) -> Bool {
        guard var code = s.codes[userID], usable(code, at: now) else { return false }
        code.state.status = .revoked
        code.state.revokedAt = now
        code.state.revokedReason = reason
        s.codes[userID] = code
        return true
    }
}
