import Synchronization

/// A wake-up line from the recovery service (which queued a message) to the outbox dispatcher (which sends it),
/// connected after both exist.
public final class OutboxSignal: Sendable {
    /// The handler in a class box. Why not the closure itself in the Mutex: a closure stored in and read out of the
    /// generic Mutex went through reabstraction thunks that piled up on every `fire()` (seen in a profile of the flow
    /// benchmark as a call chain deeper than perf could record, ~8 % of the server's CPU and growing).
    private final class Handler: Sendable {
        let call: @Sendable () -> Void
        init(_ call: @escaping @Sendable () -> Void) { self.call = call }
    }

    private let handler = Mutex<Handler?>(nil)

    public init() {}

    /// Calls the connected handler, if any.
    public func fire() {
        let connected = handler.withLock { $0 }
        connected?.call()
    }

    /// Connects the handler (the dispatcher's `wake`).
    public func connect(_ h: @escaping @Sendable () -> Void) {
        let box = Handler(h)
        handler.withLock { $0 = box }
    }
}
