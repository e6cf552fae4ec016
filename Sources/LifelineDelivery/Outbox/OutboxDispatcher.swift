import Foundation
import LifelineCore
import Logging
import ServiceLifecycle
import Synchronization

/// Sends what the outbox holds: claims due messages, opens their bodies, hands each to the sender for its channel,
/// and records the outcome (sent, retry later with backoff, or failed).
///
/// It never loses a message: a message is only marked sent after its provider accepted it, and a claim whose
/// dispatcher died comes back when its lease runs out (``OutboxStore`` contract). The price is at-least-once: a
/// message may go out twice if the process dies after the provider accepted it but before ``OutboxStore/markSent(id:attempt:at:)``.
///
/// Run it as a `Service` (``run()``, once); call ``wake()`` after writing to the outbox for a prompt send.
public final class OutboxDispatcher: Service {
    private let store: any OutboxStore
    private let vault: any KeyVault
    private let senders: [MessageChannel: any MessageSender]
    private let clock: any LifelineClock
    private let configuration: OutboxDispatcherConfiguration
    private let logger: Logger
    /// Told of every attempt's outcome per channel (metrics; ``OperationsObserver``).
    private let observer: any OperationsObserver
    private let signals: AsyncStream<Void>
    private let signal: AsyncStream<Void>.Continuation
    /// Sends in progress, and whether the last claim may have left due messages behind.
    private let load = Mutex<(inFlight: Int, backlog: Bool)>((0, false))

    /// A dispatcher; `senders` maps each channel to its provider (a channel without one fails its messages).
    public init(store: any OutboxStore, vault: any KeyVault, senders: [MessageChannel: any MessageSender],
                clock: any LifelineClock, configuration: OutboxDispatcherConfiguration = OutboxDispatcherConfiguration(),
                logger: Logger = Logger(label: "lifeline.delivery.outbox"),
                observer: any OperationsObserver = NoOperationsObserver()) throws {
        try configuration.validate()
        self.store = store; self.vault = vault; self.senders = senders; self.clock = clock; self.observer = observer
        self.configuration = configuration; self.logger = logger
        (signals, signal) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
    }

    /// Makes the running dispatcher look at the outbox now instead of at the next poll.
    public func wake() { signal.yield() }

    /// Polls until graceful shutdown (or cancellation), then waits for the sends in progress. Call it once.
    public func run() async throws {
        let signal = self.signal, interval = configuration.pollInterval
        await withTaskGroup(of: Void.self) { ticker in
            ticker.addTask {
                while !Task.isCancelled {
                    signal.yield()
                    try? await Task.sleep(for: interval)
                }
            }
            await withGracefulShutdownHandler {
                await withDiscardingTaskGroup { sends in
                    for await _ in signals {
                        if Task.isShuttingDownGracefully || Task.isCancelled { break }
                        await fill(&sends)
                    }
                }   // waits for the sends in progress
            } onGracefulShutdown: {
                signal.finish()
            }
            ticker.cancelAll()
        }
    }

    /// One round without the service loop: claims up to ``OutboxDispatcherConfiguration/maxConcurrentSends``
    /// due messages, sends them and records the outcomes. Returns how many were claimed.
    @discardableResult
    public func dispatchOnce() async throws -> Int {
        let claimed = try await claim(limit: configuration.maxConcurrentSends)
        await withDiscardingTaskGroup { sends in
            for message in claimed { sends.addTask { await self.process(message) } }
        }
        return claimed.count
    }

    /// Claims as many messages as there are free send slots, until the outbox has no more due ones.
    private func fill(_ sends: inout DiscardingTaskGroup) async {
        while true {
            let free = load.withLock { state in
                state.backlog = false
                return configuration.maxConcurrentSends - state.inFlight
            }
            guard free > 0 else {
                load.withLock { $0.backlog = true }   // a finishing send wakes us
                return
            }
            let claimed: [OutboxMessage]
            do {
                claimed = try await claim(limit: free)
            } catch {
                logger.error("outbox claim failed", metadata: ["error": "\(error)"])
                return   // the next poll tries again
            }
            load.withLock { $0.inFlight += claimed.count }
            for message in claimed {
                sends.addTask {
                    await self.process(message)
                    let wakeAgain = self.load.withLock { state in
                        state.inFlight -= 1
                        return state.backlog
                    }
                    if wakeAgain { self.wake() }
                }
            }
            if claimed.count < free { return }
        }
    }

    private func claim(limit: Int) async throws -> [OutboxMessage] {
        try await store.claim(now: clock.now(), lease: RetryPolicy.seconds(configuration.lease), limit: limit)
    }

    /// Sends one claimed message and records the outcome. Errors are recorded, never thrown.
    func process(_ message: OutboxMessage) async {
        let meta: Logger.Metadata = ["message": "\(message.id)", "channel": "\(message.channel.rawValue)",
                                     "attempt": "\(message.attempts)"]
        do {
            let outgoing = try await open(message)
            guard let sender = senders[message.channel] else {
                throw DeliveryError(permanent: true, "no sender is configured for channel \(message.channel.rawValue)")
            }
            try await Self.withTimeout(configuration.sendTimeout) { try await sender.send(outgoing) }
        } catch {
            let failure = error as? DeliveryError
                // A sender broke its contract; its error text is not trusted to be free of the message.
                ?? DeliveryError(permanent: false, "sender failed: \(String(describing: type(of: error)))")
            await recordFailure(message, failure, meta)
            return
        }
        await recordSent(message, meta)
    }

    private func open(_ message: OutboxMessage) async throws -> OutgoingMessage {
        guard let sealed = message.body else { throw DeliveryError(permanent: true, "the message has no body") }
        let plaintext: [UInt8]
        do {
            plaintext = try await vault.open(sealed, context: message.sealContext)
        } catch let error as LifelineError where error.code == .integrity {
            // Why permanent: a body that fails authentication was tampered with, moved to another row, or its row's
            // recipient, channel, tenant or subject was changed (they are its associated data); retrying cannot fix
            // it and sending it is out of the question. Logged loudly, without the recipient or text: it means
            // someone wrote to the database.
            logger.error("outbox message refused: its body does not authenticate for this row (recipient, channel or id changed?)",
                         metadata: ["message": "\(message.id)", "channel": "\(message.channel.rawValue)",
                                    "seal_format": "\(message.sealFormat.rawValue)"])
            throw DeliveryError(permanent: true, "the message body failed authentication")
        } catch {
            throw DeliveryError(permanent: false, "the message body could not be opened (key vault)")
        }
        return OutgoingMessage(id: message.id, channel: message.channel, recipient: message.recipient,
                               subject: message.subject, text: String(decoding: plaintext, as: UTF8.self))
    }

    private func recordSent(_ message: OutboxMessage, _ meta: Logger.Metadata) async {
        observer.observe(.message(message.channel, .sent))
        // The provider has the message: try hard to record that, since a lost markSent means a second copy.
        for attempt in 1...3 {
            do {
                if try await store.markSent(id: message.id, attempt: message.attempts, at: clock.now()) {
                    logger.info("message sent", metadata: meta)
                } else {
                    logger.warning("message sent after its claim expired (another dispatcher may send it too)", metadata: meta)
                }
                return
            } catch {
                logger.error("could not record a sent message", metadata: meta.merging(["error": "\(error)"]) { $1 })
                if attempt < 3 { try? await Task.sleep(for: .milliseconds(200 * attempt)) }
            }
        }
    }

    private func recordFailure(_ message: OutboxMessage, _ failure: DeliveryError, _ meta: Logger.Metadata) async {
        let retryAt = failure.permanent ? nil : configuration.retry.nextAttempt(after: message.attempts, now: clock.now())
        var meta = meta
        meta["error"] = "\(failure.message)"
        if let retryAt { meta["retry_at"] = "\(retryAt)" }
        logger.warning(retryAt == nil ? "message failed for good" : "message failed; will retry", metadata: meta)
        observer.observe(.message(message.channel, retryAt == nil ? .failed : .retry))
        do {
            try await store.markFailed(id: message.id, attempt: message.attempts, error: failure.message, retryAt: retryAt)
        } catch {
            // The lease runs out and the message is claimed again: nothing is lost.
            logger.error("could not record a failed attempt", metadata: meta.merging(["store_error": "\(error)"]) { $1 })
        }
    }

    /// Runs `operation`; a transient ``DeliveryError`` if it takes longer than `limit`.
    static func withTimeout(_ limit: Duration, _ operation: @escaping @Sendable () async throws -> Void) async throws {
        try await withThrowingTaskGroup(of: Bool.self) { group in
            group.addTask { try await operation(); return true }
            group.addTask { try await Task.sleep(for: limit); return false }
            defer { group.cancelAll() }
            guard try await group.next() == true else {
                throw DeliveryError(permanent: false, "the send did not finish within \(limit)")
            }
        }
    }
}
