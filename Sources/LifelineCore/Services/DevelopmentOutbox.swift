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
    /// The newest entry per recipient, so `/dev/outbox.json?to=` (polled by scripts and the flow benchmark) does
    /// not scan the whole list.
    private var latest: [String: Entry] = [:]
    private let capacity: Int
    private let clock: any LifelineClock

    public init(capacity: Int = 500, clock: any LifelineClock) { self.capacity = capacity; self.clock = clock }

    public func send(_ message: OutgoingMessage) async throws {
        let entry = Entry(message: message, at: clock.now())
        entries.append(entry)
        latest[message.recipient] = entry
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
}
