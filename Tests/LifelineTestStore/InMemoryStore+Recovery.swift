import Foundation
import LifelineCore

// MARK: recovery configuration, answers, flows, counters

extension InMemoryStore: RecoveryStore {
    public func recoveryConfig(tenantID: UUID) async throws -> RecoveryConfig? { read { $0.configs[tenantID] } }

    public func putRecoveryConfig(tenantID: UUID, config: RecoveryConfig, audit: AuditRecord) async throws -> Bool {
        let key = try await auditKey()
        return write { s in
            guard s.configs[tenantID] != config else { return false }
            s.configs[tenantID] = config
            Self.append(audit, key: key, to: &s)
            return true
        }
    }

    public func setAnswers(userID: UUID, hashes: [String: String], audit: AuditRecord) async throws {
        let key = try await auditKey()
        write { s in
            s.answers[userID] = hashes
            Self.append(audit, key: key, to: &s)
        }
    }

    public func recoverySubject(tenantID: UUID, usernameKey: String) async throws -> RecoverySubject {
        read { s in
            guard let user = s.users.values.first(where: { $0.tenantID == tenantID && $0.usernameKey == usernameKey }) else {
                return RecoverySubject(userID: nil, active: false, verifiedPhones: [], verifiedEmails: [], answeredQuestions: [], hasActiveTOTP: false)
            }
            let contacts = s.contacts.filter { $0.userID == user.id && $0.verified }
                .sorted { ($0.createdAt, $0.id.uuidString.lowercased()) < ($1.createdAt, $1.id.uuidString.lowercased()) }
            return RecoverySubject(userID: user.id, active: user.status == .active,
                                   verifiedPhones: contacts.filter { $0.kind == .phone }.map(\.value),
                                   verifiedEmails: contacts.filter { $0.kind == .email }.map(\.value),
                                   answeredQuestions: Set(s.answers[user.id]?.keys.map { $0 } ?? []),
                                   hasActiveTOTP: s.tokens.values.contains { $0.token.userID == user.id && $0.token.type == .totp && $0.token.state != .disabled })
        }
    }

    public func recoveryStatistics(tenantID: UUID) async throws -> RecoveryStatistics {
        read { s in
            let active = Set(s.users.values.filter { $0.tenantID == tenantID && $0.status == .active }.map(\.id))
            let contacts = s.contacts.filter { active.contains($0.userID) && $0.verified }
            func distinctUsers(_ kind: ContactKind, _ value: (String) -> String) -> [String: Int] {
                var users: [String: Set<UUID>] = [:]
                for c in contacts where c.kind == kind { users[value(c.value), default: []].insert(c.userID) }
                return users.mapValues(\.count)
            }
            func perUser(_ counts: [UUID: Int]) -> [Int: Int] {
                var out: [Int: Int] = [:]
                for n in counts.values { out[n, default: 0] += 1 }
                return out
            }
            var phones: [UUID: Int] = [:], emails: [UUID: Int] = [:], answers: [UUID: Int] = [:], questions: [String: Int] = [:]
            for c in contacts { if c.kind == .phone { phones[c.userID, default: 0] += 1 } else { emails[c.userID, default: 0] += 1 } }
            for (user, hashes) in s.answers where active.contains(user) && !hashes.isEmpty {
                answers[user] = hashes.count
                for q in hashes.keys { questions[q, default: 0] += 1 }
            }
            return RecoveryStatistics(
                emailDomains: distinctUsers(.email) { String($0[$0.index(after: $0.firstIndex(of: "@") ?? $0.startIndex)...]).lowercased() },
                phoneCountries: distinctUsers(.phone, ContactFormat.countryCode),
                phoneCounts: perUser(phones), emailCounts: perUser(emails), answerCounts: perUser(answers), questionUsers: questions)
        }
    }

    public func answerHashes(userID: UUID) async throws -> [String: String] { read { $0.answers[userID] ?? [:] } }

    public func insertFlow(_ flow: RecoveryFlow, outbox: [OutboxMessage], audit: [AuditRecord], counters: [CounterIncrement]) async throws {
        let key = try await auditKey()
        try write { s in
            guard s.flows[flow.id] == nil else { throw LifelineError(.integrity, "duplicate flow id") }
            s.flows[flow.id] = flow
            try Self.sideEffects(outbox: outbox, audit: audit, counters: counters, now: flow.createdAt, key: key, in: &s)
        }
    }

    public func flow(id: UUID) async throws -> RecoveryFlow? { read { $0.flows[id] } }

    public func updateFlow(_ flow: RecoveryFlow, outbox: [OutboxMessage], audit: [AuditRecord], counters: [CounterIncrement],
                           refund: GuessCharge?) async throws -> Bool {
        let key = try await auditKey()
        return try write { s in
            // The compare-and-set on the version (RecoveryStore.updateFlow).
            guard let stored = s.flows[flow.id], stored.version == flow.version else { return false }
            var next = flow
            next.version += 1
            s.flows[flow.id] = next
            try Self.sideEffects(outbox: outbox, audit: audit, counters: counters, now: audit.first?.time ?? Date(), key: key, in: &s)
            if let refund { Self.refund(refund, in: &s) }
            return true
        }
    }

    /// A flow change's outbox messages, counter increments (refused whole at a limit) and audit records.
    static func sideEffects(outbox: [OutboxMessage], audit: [AuditRecord], counters: [CounterIncrement], now: Date, key: AuditKey?,
                            in s: inout State) throws {
        s.outbox.append(contentsOf: outbox)
        for c in counters {
            let count = s.counters[c.key]?.count ?? 0
            if let limit = c.limit, count >= limit || limit < 1 { throw CounterLimitReached(key: c.key) }
            s.counters[c.key] = (count + 1, now)
        }
        for r in audit { append(r, key: key, to: &s) }
    }

    public func counter(_ key: String) async throws -> (count: Int, updatedAt: Date?) {
        read { s in s.counters[key].map { ($0.count, $0.updatedAt) } ?? (0, nil) }
    }

    public func purgeRecovery(before cutoff: Date, budgetForgiveAfter: Int) async throws -> Int {
        write { s in
            let expired = s.flows.values.filter { $0.expiresAt < cutoff }.map(\.id)
            for id in expired { s.flows[id] = nil }
            s.counters = s.counters.filter { $0.value.updatedAt >= cutoff }
            s.passes = s.passes.filter { $0.value.expiresAt >= cutoff }
            s.budgets = s.budgets.filter { _, b in
                let forgiven = b.state.decayFrom.addingTimeInterval(Double(b.state.failures * budgetForgiveAfter)) < cutoff
                return !(forgiven && (b.state.pausedUntil.map { $0 < cutoff } ?? true))
            }
            return expired.count
        }
    }
}

// MARK: outbox

extension InMemoryStore: OutboxStore {
    public func claim(now: Date, lease: TimeInterval, limit: Int) async throws -> [OutboxMessage] {
        write { s in
            var claimed: [OutboxMessage] = []
            for i in s.outbox.indices.sorted(by: { s.outbox[$0].createdAt < s.outbox[$1].createdAt }) where claimed.count < limit {
                let m = s.outbox[i]
                guard (m.status == .pending && m.nextAttemptAt <= now) || (m.status == .sending && (m.leaseUntil.map { $0 < now } ?? false)) else { continue }
                s.outbox[i].status = .sending
                s.outbox[i].leaseUntil = now.addingTimeInterval(lease)
                s.outbox[i].attempts += 1
                claimed.append(s.outbox[i])
            }
            return claimed
        }
    }

    @discardableResult
    public func markSent(id: UUID, attempt: Int, at: Date) async throws -> Bool {
        write { s in
            guard let i = s.outbox.firstIndex(where: { $0.id == id && $0.status == .sending && $0.attempts == attempt }) else { return false }
            s.outbox[i].status = .sent; s.outbox[i].sentAt = at; s.outbox[i].body = nil; s.outbox[i].leaseUntil = nil
            return true
        }
    }

    @discardableResult
    public func markFailed(id: UUID, attempt: Int, error: String, retryAt: Date?) async throws -> Bool {
        write { s in
            guard let i = s.outbox.firstIndex(where: { $0.id == id && $0.status == .sending && $0.attempts == attempt }) else { return false }
            s.outbox[i].leaseUntil = nil
            s.outbox[i].lastError = String(error.prefix(500))
            if let retryAt {
                s.outbox[i].status = .pending; s.outbox[i].nextAttemptAt = retryAt
            } else {
                s.outbox[i].status = .failed; s.outbox[i].body = nil
            }
            return true
        }
    }

    public func recentMessages(limit: Int) async throws -> [OutboxMessage] {
        read { Array($0.outbox.sorted { $0.createdAt > $1.createdAt }.prefix(limit)) }
    }
}

// MARK: the built-in directory's accounts

extension InMemoryStore: DirectoryAccountStore {
    public func directoryAccount(userID: UUID) async throws -> BuiltinAccountState? { read { $0.directory[userID] } }

    public func setDirectoryPassword(userID: UUID, hash: String, at: Date) async throws {
        write { s in
            var a = s.directory[userID] ?? BuiltinAccountState(passwordHash: nil, passwordChangedAt: nil, lockedAt: nil)
            a.passwordHash = hash; a.passwordChangedAt = at
            s.directory[userID] = a
        }
    }

    public func setDirectoryLock(userID: UUID, lockedAt: Date?) async throws {
        write { s in
            var a = s.directory[userID] ?? BuiltinAccountState(passwordHash: nil, passwordChangedAt: nil, lockedAt: nil)
            a.lockedAt = lockedAt
            s.directory[userID] = a
        }
    }
}

// MARK: emergency codes

extension InMemoryStore: EmergencyCodeStore {
    public func emergencyCode(userID: UUID) async throws -> StoredEmergencyCode? { read { $0.codes[userID] } }

    public func useEmergencyCode(userID: UUID, hash: String, now: Date, audit: AuditRecord) async throws -> Bool {
        let key = try await auditKey()
        return write { s in
            // The use-count guard (EmergencyCodeStore.useEmergencyCode).
            guard var code = s.codes[userID], code.hash == hash, Self.usable(code, at: now) else { return false }
            code.state.usedCount += 1
            code.state.failCount = 0
            if let left = code.state.usesLeft {
                code.state.usesLeft = left - 1
                if left <= 1 { code.state.status = .usedUp }
            }
            s.codes[userID] = code
            Self.append(audit, key: key, to: &s)
            return true
        }
    }

    /// ``UnitOfWork/Operation/countEmergencyCodeFailure(userID:at:maxFailures:)``: whether a code was counted, and
    /// whether that revoked it.
    static func countFailure(userID: UUID, at now: Date, maxFailures: Int, in s: inout State) -> (counted: Bool, revoked: Bool) {
        guard var code = s.codes[userID], code.state.status == .active, code.state.expiresAt.map({ $0 > now }) ?? true else { return (false, false) }
        code.state.failCount += 1
        let revoked = code.state.failCount >= maxFailures
        if revoked {
            code.state.status = .revoked; code.state.revokedAt = now
            code.state.revokedReason = EmergencyCodeRules.Trigger.tooManyFailures.rawValue
        }
        s.codes[userID] = code
        return (true, revoked)
    }

    public func revokeEmergencyCode(userID: UUID, reason: String, audit: AuditRecord) async throws -> Bool {
        let key = try await auditKey()
        return write { s in
            guard Self.revokeCode(userID: userID, reason: reason, at: audit.time, in: &s) else { return false }
            Self.append(audit, key: key, to: &s)
            return true
        }
    }
}

// MARK: cards

extension InMemoryStore: CardStore {
    public func insertCard(_ card: StoredCard, audit: AuditRecord) async throws {
        try await insertCards([card], audits: [audit])
    }

    public func insertCards(_ cards: [StoredCard], audits: [AuditRecord]) async throws {
        let key = try await auditKey()
        try write { s in
            for (card, audit) in zip(cards, audits) {
                guard !s.cards.values.contains(where: { $0.card.tenantID == card.card.tenantID && $0.card.serial == card.card.serial }) else {
                    throw LifelineError(.conflict, "card \(card.card.serial) exists in this tenant")
                }
                s.cards[card.card.id] = card
                Self.append(audit, key: key, to: &s)
            }
        }
    }

    public func storedCard(tenantID: UUID, serial: String) async throws -> StoredCard? {
        read { $0.cards.values.first { $0.card.tenantID == tenantID && $0.card.serial == serial } }
    }

    public func cards(tenantID: UUID, userID: UUID?) async throws -> [SmartCard] {
        read { s in s.cards.values.map(\.card).filter { $0.tenantID == tenantID && (userID == nil || $0.userID == userID) }.sorted { $0.serial < $1.serial } }
    }

    public func deleteCard(tenantID: UUID, serial: String, audit: AuditRecord) async throws -> Bool {
        let key = try await auditKey()
        return write { s in
            guard let id = s.cards.values.first(where: { $0.card.tenantID == tenantID && $0.card.serial == serial })?.card.id else { return false }
            s.cards[id] = nil
            Self.append(audit, key: key, to: &s)
            return true
        }
    }

    public func sealedCardKeys() async throws -> [(id: UUID, key: SealedSecret)] {
        read { $0.cards.values.sorted { $0.card.id.uuidString < $1.card.id.uuidString }.map { ($0.card.id, $0.key) } }
    }

    public func resealCard(id: UUID, old: SealedSecret, new: SealedSecret) async throws -> Bool {
        write { s in
            guard var card = s.cards[id], card.key == old else { return false }
            card.key = new
            s.cards[id] = card
            return true
        }
    }
}

// MARK: guessing budgets and server secrets

extension InMemoryStore: GuessBudgetStore, ServerSecretStore {
    public func chargeGuess(_ key: GuessBudgetKey, policy: GuessBudgetPolicy, now: Date) async throws -> GuessChargeResult {
        write { s in
            let before = s.budgets[key.storageKey]?.state ?? GuessBudgetState(decayFrom: now)
            var after = before
            guard after.charge(at: now, policy) else {
                if s.budgets[key.storageKey] == nil { s.budgets[key.storageKey] = (key, before, now) }
                return .paused(until: before.pausedUntil ?? now)
            }
            s.budgets[key.storageKey] = (key, after, now)
            return .charged(GuessCharge(key: key, before: before, after: after))
        }
    }

    public func refundGuess(_ charge: GuessCharge) async throws { write { Self.refund(charge, in: &$0) } }

    static func refund(_ charge: GuessCharge, in s: inout State) {
        let id = charge.key.storageKey
        let current = s.budgets[id]?.state ?? GuessBudgetState(decayFrom: charge.after.decayFrom)
        s.budgets[id] = (charge.key, current.refunding(charge), charge.after.decayFrom)
    }

    public func guessBudgets(tenantID: UUID, usernameKey: String) async throws -> [GuessBudgetRecord] {
        read { s in
            s.budgets.values.filter { $0.key.tenantID == tenantID && $0.key.usernameKey == usernameKey }.sorted { $0.key.scope < $1.key.scope }
                .map { GuessBudgetRecord(scope: $0.key.scope, failures: $0.state.failures, pausedUntil: $0.state.pausedUntil, updatedAt: $0.updatedAt) }
        }
    }

    public func liftGuessBudgets(tenantID: UUID, usernameKey: String, audit: AuditRecord) async throws -> Int {
        let key = try await auditKey()
        return write { s in
            let ids = s.budgets.filter { $0.value.key.tenantID == tenantID && $0.value.key.usernameKey == usernameKey }.map(\.key)
            for id in ids { s.budgets[id] = nil }
            Self.append(audit, key: key, to: &s)
            return ids.count
        }
    }

    public func insertBudgetPass(_ pass: BudgetPass) async throws {
        try write { s in
            guard s.passes[pass.hash] == nil else { throw LifelineError(.integrity, "duplicate budget pass") }
            s.passes[pass.hash] = pass
        }
    }

    public func budgetPass(hash: String, now: Date) async throws -> BudgetPass? {
        read { s in s.passes[hash].flatMap { $0.expiresAt > now ? $0 : nil } }
    }

    public func serverSecret(name: String, proposed: SealedSecret) async throws -> SealedSecret {
        write { s in
            if let stored = s.secrets[name] { return stored }
            s.secrets[name] = proposed
            return proposed
        }
    }

    public func sealedServerSecrets() async throws -> [(name: String, secret: SealedSecret)] {
        read { $0.secrets.sorted { $0.key < $1.key }.map { ($0.key, $0.value) } }
    }

    public func resealServerSecret(name: String, old: SealedSecret, new: SealedSecret) async throws -> Bool {
        write { s in
            guard s.secrets[name] == old else { return false }
            s.secrets[name] = new
            return true
        }
    }
}
