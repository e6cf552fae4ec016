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
        var cards: [UUID: StoredCard] = [:]
        var budgets: [String: (key: GuessBudgetKey, state: GuessBudgetState, updatedAt: Date)] = [:]
        var passes: [String: BudgetPass] = [:]
        var secrets: [String: SealedSecret] = [:]
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

// MARK: tenants, users, contacts, health

extension InMemoryStore: TenantStore, UserStore, HealthProbe {
    public func insertTenant(_ tenant: Tenant, audit: AuditRecord) async throws {
        let key = try await auditKey()
        try write { s in
            guard !s.tenants.values.contains(where: { $0.name == tenant.name }) else {
                throw LifelineError(.conflict, "a tenant named '\(tenant.name)' exists")
            }
            s.tenants[tenant.id] = tenant
            Self.append(audit, key: key, to: &s)
        }
    }

    public func tenant(named name: String) async throws -> Tenant? { read { $0.tenants.values.first { $0.name == name } } }
    public func tenant(id: UUID) async throws -> Tenant? { read { $0.tenants[id] } }
    public func tenants() async throws -> [Tenant] { read { $0.tenants.values.sorted { $0.name < $1.name } } }

    public func insertUser(_ user: User, contacts: [Contact], audit: AuditRecord) async throws {
        let key = try await auditKey()
        try write { s in
            guard s.tenants[user.tenantID] != nil else { throw LifelineError(.integrity, "no such tenant (foreign key)") }
            guard !s.users.values.contains(where: { $0.tenantID == user.tenantID && $0.usernameKey == user.usernameKey }) else {
                throw LifelineError(.conflict, "a user named '\(user.username)' exists in this tenant")
            }
            s.users[user.id] = user
            for c in contacts { try Self.insert(contact: c, in: &s) }
            Self.append(audit, key: key, to: &s)
        }
    }

    static func insert(contact: Contact, in s: inout State) throws {
        guard s.users[contact.userID] != nil else { throw LifelineError(.integrity, "no such user (foreign key)") }
        guard !s.contacts.contains(where: { $0.id == contact.id }) else { throw LifelineError(.integrity, "duplicate contact id") }
        s.contacts.append(contact)
    }

    public func user(tenantID: UUID, username: String) async throws -> User? {
        let key = Validation.usernameKey(username)
        return read { $0.users.values.first { $0.tenantID == tenantID && $0.usernameKey == key } }
    }

    public func user(id: UUID) async throws -> User? { read { $0.users[id] } }

    public func users(tenantID: UUID) async throws -> [User] {
        read { $0.users.values.filter { $0.tenantID == tenantID }.sorted { $0.usernameKey < $1.usernameKey } }
    }

    public func updateUser(_ user: User, audit: AuditRecord) async throws {
        let key = try await auditKey()
        try write { s in
            guard var stored = s.users[user.id] else { throw LifelineError(.notFound, "no such user") }
            stored.displayName = user.displayName; stored.status = user.status; stored.language = user.language
            s.users[user.id] = stored
            Self.append(audit, key: key, to: &s)
        }
    }

    public func contacts(userID: UUID) async throws -> [Contact] {
        read { $0.contacts.filter { $0.userID == userID }.sorted { ($0.createdAt, $0.id.uuidString) < ($1.createdAt, $1.id.uuidString) } }
    }

    public func isReachable() async -> Bool { true }
}

// MARK: tokens

extension InMemoryStore: TokenStore {
    static func sortedTokens(_ tokens: some Sequence<StoredToken>) -> [StoredToken] {
        tokens.sorted { ($0.token.createdAt, $0.token.id.uuidString) < ($1.token.createdAt, $1.token.id.uuidString) }
    }

    public func storedTokens(userID: UUID) async throws -> [StoredToken] {
        read { Self.sortedTokens($0.tokens.values.filter { $0.token.userID == userID }) }
    }

    public func userAndTokens(tenantID: UUID, username: String) async throws -> (user: User, tokens: [StoredToken])? {
        let key = Validation.usernameKey(username)
        return read { s in
            guard let user = s.users.values.first(where: { $0.tenantID == tenantID && $0.usernameKey == key }) else { return nil }
            return (user, Self.sortedTokens(s.tokens.values.filter { $0.token.userID == user.id }))
        }
    }

    public func storedToken(id: UUID, tenantID: UUID) async throws -> StoredToken? {
        read { s in s.tokens[id].flatMap { $0.token.tenantID == tenantID ? $0 : nil } }
    }

    public func tokens(tenantID: UUID, userID: UUID?) async throws -> [Token] {
        read { s in Self.sortedTokens(s.tokens.values.filter { $0.token.tenantID == tenantID && (userID == nil || $0.token.userID == userID) }).map(\.token) }
    }

    public func consume(tokenID: UUID, step: Int64, drift: Int64, seenFailCount: Int, now: Date, audit: AuditRecord) async throws -> Bool {
        let key = try await auditKey()
        return write { s in
            // The single-use guard and the compare-and-set on the fail counter (TokenStore.consume).
            guard var t = s.tokens[tokenID], t.token.state == .active, (t.token.lastUsed.map { $0 < step } ?? true),
                  t.token.failCount == seenFailCount, (t.token.throttledUntil.map { $0 <= now } ?? true) else { return false }
            t.token.lastUsed = step; t.token.drift = drift; t.token.failCount = 0; t.token.throttledUntil = nil
            if t.token.type == .hotp { t.token.counter = step + 1 }
            s.tokens[tokenID] = t
            Self.append(audit, key: key, to: &s)
            return true
        }
    }

    public func recordFailure(_ failures: [TokenFailure], audit: AuditRecord) async throws {
        let key = try await auditKey()
        write { s in
            for f in failures {
                guard var t = s.tokens[f.tokenID], t.token.state == .active, t.token.failCount == f.seenFailCount else { continue }
                t.token.failCount = f.seenFailCount + 1
                t.token.throttledUntil = f.throttledUntil
                if f.lock { t.token.state = .locked }
                s.tokens[f.tokenID] = t
            }
            Self.append(audit, key: key, to: &s)
        }
    }

    public func resync(tokenID: UUID, step: Int64, drift: Int64, audit: AuditRecord) async throws -> Bool {
        let key = try await auditKey()
        return write { s in
            guard var t = s.tokens[tokenID], (t.token.lastUsed.map { $0 < step } ?? true) else { return false }
            t.token.lastUsed = step; t.token.drift = drift
            if t.token.type == .hotp { t.token.counter = step + 1 }
            s.tokens[tokenID] = t
            Self.append(audit, key: key, to: &s)
            return true
        }
    }

    public func deleteToken(id: UUID, tenantID: UUID, audit: AuditRecord) async throws -> Bool {
        let key = try await auditKey()
        return write { s in
            guard s.tokens[id]?.token.tenantID == tenantID else { return false }
            s.tokens[id] = nil
            Self.append(audit, key: key, to: &s)
            return true
        }
    }

    public func sealedSecrets() async throws -> [(id: UUID, secret: SealedSecret)] {
        read { $0.tokens.values.sorted { $0.token.id.uuidString < $1.token.id.uuidString }.map { ($0.token.id, $0.secret) } }
    }

    public func reseal(tokenID: UUID, old: SealedSecret, new: SealedSecret) async throws -> Bool {
        write { s in
            guard var t = s.tokens[tokenID], t.secret == old else { return false }
            t.secret = new
            s.tokens[tokenID] = t
            return true
        }
    }
}

// MARK: the transaction port

extension InMemoryStore: TransactionStore {
    public func execute(_ work: UnitOfWork) async throws -> UnitOfWork.Outcome {
        let key = try await auditKey()
        return try write { s in
            var outcome = UnitOfWork.Outcome(results: [])
            for step in work.steps {
                guard outcome.holds(step.condition) else { outcome.results.append(nil); continue }
                outcome.results.append(try Self.run(step.operation, key: key, in: &s))
            }
            return outcome
        }
    }

    static func run(_ operation: UnitOfWork.Operation, key: AuditKey?, in s: inout State) throws -> UnitOfWork.StepResult {
        switch operation {
        case .insertContact(let contact):
            try insert(contact: contact, in: &s)
            return .init(changed: 1)
        case .insertToken(let token):
            guard s.users[token.token.userID] != nil else { throw LifelineError(.integrity, "no such user (foreign key)") }
            guard s.tokens[token.token.id] == nil else { throw LifelineError(.integrity, "duplicate token id") }
            s.tokens[token.token.id] = token
            return .init(changed: 1)
        case .setTokenState(let tokenID, let tenantID, let state, let resetFailCount):
            guard var t = s.tokens[tokenID], t.token.tenantID == tenantID else { return .init(changed: 0) }
            t.token.state = state
            if resetFailCount { t.token.failCount = 0; t.token.throttledUntil = nil }
            s.tokens[tokenID] = t
            return .init(changed: 1, token: t.token)
        case .unlockTokens(let userID):
            var changed = 0, locked = 0
            for (id, var t) in s.tokens where t.token.userID == userID && t.token.state != .disabled
                && (t.token.state == .locked || t.token.failCount > 0 || t.token.throttledUntil != nil) {
                if t.token.state == .locked { locked += 1 }
                t.token.state = .active; t.token.failCount = 0; t.token.throttledUntil = nil
                s.tokens[id] = t
                changed += 1
            }
            return .init(changed: changed, reactivated: locked)
        case .revokeEmergencyCode(let userID, let reason, let at):
            return .init(changed: revokeCode(userID: userID, reason: reason, at: at, in: &s) ? 1 : 0)
        case .putEmergencyCode(let code):
            s.codes[code.state.userID] = code
            return .init(changed: 1)
        case .countEmergencyCodeFailure(let userID, let at, let maxFailures):
            let (counted, revoked) = countFailure(userID: userID, at: at, maxFailures: maxFailures, in: &s)
            return .init(changed: counted ? 1 : 0, reachedLimit: revoked)
        case .appendAudit(let record):
            append(record, key: key, to: &s)
            return .init(changed: 1)
        }
    }
}

// MARK: API keys

extension InMemoryStore: APIKeyStore {
    public func insertAPIKey(_ apiKey: APIKey, audit: AuditRecord) async throws {
        let key = try await auditKey()
        try write { s in
            guard s.apiKeys[apiKey.id] == nil else { throw LifelineError(.conflict, "an API key with this id exists") }
            s.apiKeys[apiKey.id] = apiKey
            Self.append(audit, key: key, to: &s)
        }
    }

    public func apiKey(id: String) async throws -> APIKey? { read { $0.apiKeys[id] } }

    public func apiKeys(tenantID: UUID?) async throws -> [APIKey] {
        read { s in s.apiKeys.values.filter { tenantID == nil || $0.tenantID == tenantID }.sorted { ($0.createdAt, $0.id) < ($1.createdAt, $1.id) } }
    }

    public func revokeAPIKey(id: String, at: Date, audit: AuditRecord) async throws -> (key: APIKey, revoked: Bool)? {
        let key = try await auditKey()
        return write { s in
            guard var k = s.apiKeys[id] else { return nil }
            guard k.revokedAt == nil else { return (k, false) }
            k.revokedAt = at
            s.apiKeys[id] = k
            Self.append(audit, key: key, to: &s)
            return (k, true)
        }
    }

    public func recordAPIKeyUse(_ apiKey: APIKey, at: Date) async throws {
        write { s in s.apiKeys[apiKey.id]?.lastUsedAt = at }
    }
}

// MARK: the audit log

extension InMemoryStore: AuditLog {
    public func append(_ record: AuditRecord) async throws {
        let key = try await auditKey()
        write { s in Self.append(record, key: key, to: &s) }
    }

    public func recentEvents(tenant: String?, limit: Int) async throws -> [AuditEvent] {
        read { s in
            Array(s.events.filter { tenant == nil || $0.record.tenant == tenant }
                .sorted { a, b in a.record.time != b.record.time ? a.record.time > b.record.time : a.chain != b.chain ? a.chain < b.chain : a.seq > b.seq }
                .prefix(limit))
        }
    }

    public func verifyChain(anchor: AuditAnchor?, after start: [String: AuditEvent]) async throws -> AuditChain.Verification {
        let ring = try await vault?.refreshed()
        if let anchor {
            guard let ring, anchor.isAuthentic(in: ring) else {
                throw LifelineError(.integrity, "the audit anchor is refused: its MAC does not match")
            }
        }
        let keys: @Sendable (String) -> AuditKey? = { id in ring.flatMap { AuditKey.named(id, in: $0) } }
        let (events, heads) = read { ($0.events, $0.heads) }
        var total = AuditChain.Verification(count: 0, legacy: 0, broken: nil, last: nil)
        for (chain, head) in heads.sorted(by: { $0.key < $1.key }) {
            var verifier = AuditChain.Verifier(after: start[chain], keys: keys)
            let anchored = anchor?.heads.first { $0.chain == chain }
            var anchoredHash: String? = start[chain].flatMap { $0.seq == anchored?.seq ? $0.hash : nil }
            for e in events where e.chain == chain && e.seq > (start[chain]?.seq ?? 0) {
                if e.seq == anchored?.seq { anchoredHash = e.hash }
                verifier.feed(e)
            }
            var result = verifier.finish(head: head)
            if result.broken == nil, let anchored, let anchor {
                result.broken = anchored.check(anchoredHash: anchoredHash, lastSeq: head.seq, time: anchor.time)
            }
            total.count += result.count
            total.legacy += result.legacy
            if let last = result.last { total.heads[chain] = last }
            if total.broken == nil, var broken = result.broken {
                broken.chain = chain
                total.broken = broken
            }
        }
        return total
    }

    public func anchorChain(time: Date, after start: [String: AuditEvent]) async throws -> (anchor: AuditAnchor?, verification: AuditChain.Verification) {
        var verification = try await verifyChain(anchor: nil, after: start)
        guard verification.broken == nil, let vault else { return (nil, verification) }
        verification.heads = start.merging(verification.heads) { _, new in new }
        return (AuditAnchor.make(heads: verification.heads, time: time, ring: try await vault.ring()), verification)
    }
}
