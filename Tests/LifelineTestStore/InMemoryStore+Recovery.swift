import Foundation
import LifelineCore

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
