import LifelineCore

/// Settings of ``OutboxDispatcher``.
public struct OutboxDispatcherConfiguration: Sendable, Equatable {
    /// How often the outbox is polled when nothing wakes the dispatcher.
    public var pollInterval: Duration
    /// How long a claimed message is reserved for this dispatcher. If the process dies, another dispatcher
    /// takes the message after this time.
    public var lease: Duration
    /// The longest one send may take before it counts as a transient failure. Must be shorter than ``lease``,
    /// so that a slow send is given up before another dispatcher may claim the same message.
    public var sendTimeout: Duration
    /// How many messages are sent at the same time.
    public var maxConcurrentSends: Int
    /// When failed messages are tried again.
    public var retry: RetryPolicy

    /// A configuration with defaults fit for production.
    public init(pollInterval: Duration = .milliseconds(250), lease: Duration = .seconds(120),
                sendTimeout: Duration = .seconds(60), maxConcurrentSends: Int = 8, retry: RetryPolicy = RetryPolicy()) {
        self.pollInterval = pollInterval; self.lease = lease; self.sendTimeout = sendTimeout
        self.maxConcurrentSends = maxConcurrentSends; self.retry = retry
    }

    /// Checks the settings; throws ``LifelineError`` (`configuration`) naming the first bad one.
    public func validate() throws(LifelineError) {
        guard pollInterval > .zero else { throw LifelineError(.configuration, "delivery.poll_interval must be positive") }
        guard maxConcurrentSends >= 1 else { throw LifelineError(.configuration, "delivery.concurrency must be at least 1") }
        // Why: a send still running when its lease ends may be repeated by another dispatcher (a duplicate).
        guard sendTimeout > .zero, sendTimeout < lease else {
            throw LifelineError(.configuration, "delivery.send_timeout must be positive and shorter than delivery.lease")
        }
        guard retry.baseDelay > .zero, retry.maxDelay >= retry.baseDelay else {
            throw LifelineError(.configuration, "delivery.retry: base delay must be positive and not above the cap")
        }
    }
}
