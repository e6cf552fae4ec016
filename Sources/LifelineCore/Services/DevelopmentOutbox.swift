import Foundation

/// The development outbox: a ``MessageSender`` that keeps the newest messages in memory instead of sending
/// them, so `serve --demo` can show them at `/dev/outbox`. Never used outside demo mode (it shows codes).
public actor DevelopmentOutbox: MessageSender {
    /// A kept message and when it arrived.
    public struct Entry: Sendable, Equatable {
        public var message: OutgoingMessage
        public var at: Date
    }

    private var entries: [Entry] = []
    private let capacity: Int
    private let clock: any LifelineClock

    public init(capacity: Int = 500, clock: any LifelineClock) { self.capacity = capacity; self.clock = clock }

    public func send(_ message: OutgoingMessage) async throws {
        entries.append(Entry(message: message, at: clock.now()))
        if entries.count > capacity { entries.removeFirst(entries.count - capacity) }
    }

    /// Newest first.
    public func recent(limit: Int = 100) -> [Entry] { Array(entries.suffix(limit).reversed()) }
}
