import Foundation

/// One message a non-sending ``MessageSender`` kept, and when it arrived.
public struct KeptMessage: Sendable, Equatable {
    public var message: OutgoingMessage
    public var at: Date

    public init(message: OutgoingMessage, at: Date) { self.message = message; self.at = at }
}

/// The read side of the development outbox (an adapter in LifelineDelivery that keeps messages instead of sending
/// them): what `/dev/outbox` shows in demo mode. Never wired outside demo mode, because it shows codes.
public protocol KeptMessages: Sendable {
    /// The newest kept messages, newest first.
    func recent(limit: Int) async -> [KeptMessage]
    /// The newest message to `recipient`, if it is still kept.
    func newest(to recipient: String) async -> KeptMessage?
    /// A long-poll: the newest message to `recipient` unless it is the one with id `after` (the caller has seen
    /// it); otherwise waits up to `timeout` for the next message to `recipient`, and nil if none came.
    func next(to recipient: String, after: UUID?, timeout: Duration) async -> KeptMessage?
}
