import Logging
import Prometheus
import Synchronization

/// Counts one listener's open connections against its cap (``ConnectionCapChannel``), shared by its event loops.
///
/// A refused connection is counted in `lifeline_connections_refused_total`; the log gets at most one warning a
/// minute with the number refused since the last one, so that a flood of connections cannot flood the log.
public final class ConnectionGate: Sendable {
    private let limit: Int
    private let open = Atomic<Int>(0)
    private let openGauge: Gauge
    private let refusedCounter: Counter
    private let logger: Logger
    private let warning = Mutex<(last: ContinuousClock.Instant?, refused: Int)>((nil, 0))
    private static let warningInterval = Duration.seconds(60)

    /// - Parameters:
    ///   - limit: open connections allowed (`server.maxConnections`).
    ///   - listener: the listener's name in the metrics (`main`, `metrics`).
    public init(limit: Int, listener: String, metrics: HTTPMetrics, logger: Logger) {
        self.limit = limit
        self.openGauge = metrics.connectionsOpen(listener: listener)
        self.refusedCounter = metrics.connectionsRefused(listener: listener)
        self.logger = logger
    }

    /// The number of connections open now.
    public var openConnections: Int { open.load(ordering: .relaxed) }

    /// Takes a place for a new connection; false (and the refusal counted) when the listener is full.
    func enter() -> Bool {
        let now = open.wrappingAdd(1, ordering: .relaxed).newValue
        guard now <= limit else {
            open.wrappingSubtract(1, ordering: .relaxed)
            refused()
            return false
        }
        openGauge.increment()
        return true
    }

    /// Gives back the place of a connection that closed.
    func leave() {
        open.wrappingSubtract(1, ordering: .relaxed)
        openGauge.decrement()
    }

    private func refused() {
        refusedCounter.increment()
        let now = ContinuousClock.now
        let report: Int? = warning.withLock { state in
            state.refused += 1
            if let last = state.last, now - last < Self.warningInterval { return nil }
            defer { state = (now, 0) }
            return state.refused
        }
        if let report {
            logger.warning("connection cap reached: closing new connections",
                           metadata: ["max_connections": "\(limit)", "refused_since_last_warning": "\(report)"])
        }
    }
}
