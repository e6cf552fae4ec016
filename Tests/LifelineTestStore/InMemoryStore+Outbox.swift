import Foundation
import LifelineCore

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
