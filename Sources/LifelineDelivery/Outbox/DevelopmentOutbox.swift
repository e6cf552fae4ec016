import Foundation
import LifelineCore

/// The development outbox: a ``MessageSender`` that keeps the newest messages in memory instead of sending
/// them, so `serve --demo` can show them at `/dev/outbox` (the HTTP layer reads it through the core's
/// ``KeptMessages`` port). Never used outside demo mode (it shows codes).
public actor DevelopmentOutbox: MessageSender, KeptMessages {
    public typealias Entry = KeptMessage

    private var entries: [Entry] = []
    /// The newest entry per recipient, so `/dev/outbox.json?to=` (polled by scripts and the flow benchmark) does
    /// not scan the whole list.
    private var latest: [String: Entry] = [:]
    /// Callers of ``next(to:after:timeout:)`` waiting for a message, by recipient.
    private var waiters: [String: [(id: UInt64, resume: CheckedContinuation<Entry?, Never>, timer: Task<Void, Never>)]] = [:]
    private var nextWaiterID: UInt64 = 0
    private let capacity: Int
    private let clock: any LifelineClock

    public init(capacity: Int = 500, clock: any LifelineClock) { self.capacity = capacity; self.clock = clock }

    public func send(_ message: OutgoingMessage) async throws {
        let entry = Entry(message: message, at: clock.now())
        entries.append(entry)
        latest[message.recipient] = entry
        for waiter in waiters.removeValue(forKey: message.recipient) ?? [] {
            waiter.timer.cancel()
            waiter.resume.resume(returning: entry)
        }
        if entries.count > capacity {
            for old in entries.prefix(entries.count - capacity) where latest[old.message.recipient]?.message.id == old.message.id {
                latest[old.message.recipient] = nil
            }
            entries.removeFirst(entries.count - capacity)
        }
    }

    /// Newest first.
    public func recent(limit: Int = 100) -> [Entry] { Array(entries.suffix(limit).reversed()) }

    /// The newest message to `recipient`, if it is still kept.
    public func newest(to recipient: String) -> Entry? { latest[recipient] }

    /// A long-poll: the newest message to `recipient` unless it is the one with id `after` (the caller has seen it);
    /// otherwise waits up to `timeout` for the next message to `recipient`, and nil if none came.
    ///
    /// Why: a script or the flow benchmark that polls `/dev/outbox.json?to=` in a loop makes the server answer many
    /// empty requests per message; a waiting request is answered once, as soon as the dispatcher delivered.
    public func next(to recipient: String, after: UUID?, timeout: Duration) async -> Entry? {
        if let entry = latest[recipient], entry.message.id != after { return entry }
        guard timeout > .zero else { return nil }
        nextWaiterID &+= 1
        let id = nextWaiterID
        return await withCheckedContinuation { continuation in
            let timer = Task {
                // Cancelled when a message answers the waiter first; expire() then finds nothing to do.
                try? await Task.sleep(for: timeout)
                self.expire(recipient: recipient, id: id)
            }
            waiters[recipient, default: []].append((id, continuation, timer))
        }
    }

    /// Answers a waiter that no message reached in time (nothing if a message already answered it).
    private func expire(recipient: String, id: UInt64) {
        guard var list = waiters[recipient], let i = list.firstIndex(where: { $0.id == id }) else { return }
        let waiter = list.remove(at: i)
        waiters[recipient] = list.isEmpty ? nil : list
        waiter.resume.resume(returning: nil)
    }
}
