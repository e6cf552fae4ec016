import Foundation
import LifelineCore

/// An ``OutboxStore`` in memory that keeps the port's contract (atomic claims, leases, body wiped when sent).
actor InMemoryOutboxStore: OutboxStore {
    private var messages: [UUID: OutboxMessage] = [:]
    private var order: [UUID] = []
    /// How many times `claim` was called (lets a test know a dispatcher has polled).
    private(set) var claimCalls = 0

    /// Seals `text` with `vault` and adds a pending message due at `due`.
    @discardableResult
    func enqueue(channel: MessageChannel, recipient: String, subject: String = "", text: String, vault: any KeyVault,
                 due: Date, sealContext: String? = nil) async throws -> UUID {
        let id = UUID()
        var message = OutboxMessage(id: id, tenant: "default", channel: channel, recipient: recipient, subject: subject,
                                    body: nil, nextAttemptAt: due, createdAt: due)
        message.body = try await vault.seal(Array(text.utf8), context: sealContext ?? message.sealContext)
        messages[id] = message
        order.append(id)
        return id
    }

    func message(_ id: UUID) -> OutboxMessage? { messages[id] }

    func claim(now: Date, lease: TimeInterval, limit: Int) async throws -> [OutboxMessage] {
        claimCalls += 1
        var claimed: [OutboxMessage] = []
        for id in order where claimed.count < limit {
            guard var m = messages[id] else { continue }
            let due = (m.status == .pending && m.nextAttemptAt <= now)
                || (m.status == .sending && (m.leaseUntil ?? .distantPast) <= now)
            guard due else { continue }
            m.status = .sending
            m.leaseUntil = now.addingTimeInterval(lease)
            m.attempts += 1
            messages[id] = m
            claimed.append(m)
        }
        return claimed
    }

    func markSent(id: UUID, attempt: Int, at: Date) async throws -> Bool {
        guard messages[id]?.status == .sending, messages[id]?.attempts == attempt else { return false }
        messages[id]?.status = .sent
        messages[id]?.sentAt = at
        messages[id]?.body = nil
        messages[id]?.leaseUntil = nil
        return true
    }

    func markFailed(id: UUID, attempt: Int, error: String, retryAt: Date?) async throws -> Bool {
        guard var m = messages[id], m.status == .sending, m.attempts == attempt else { return false }
        m.lastError = error
        m.leaseUntil = nil
        if let retryAt {
            m.status = .pending
            m.nextAttemptAt = retryAt
        } else {
            m.status = .failed
        }
        messages[id] = m
        return true
    }

    func recentMessages(limit: Int) async throws -> [OutboxMessage] {
        order.reversed().prefix(limit).compactMap { messages[$0] }
    }
}
