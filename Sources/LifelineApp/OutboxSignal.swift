import Synchronization

/// A wake-up line from the recovery service (which queued a message) to the outbox dispatcher (which sends it),
/// connected after both exist.
public final class OutboxSignal: Sendable {
    private let handler = Mutex<(@Sendable () -> Void)?>(nil)

    public init() {}

    /// Calls the connected handler, if any.
    public func fire() { handler.withLock { $0 }?() }

    /// Connects the handler (the dispatcher's `wake`).
    public func connect(_ h: @escaping @Sendable () -> Void) { handler.withLock { $0 = h } }
}
