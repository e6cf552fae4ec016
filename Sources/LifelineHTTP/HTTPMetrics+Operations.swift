import LifelineCore
import Prometheus

/// The core's ``OperationalEvent``s as Prometheus counters (docs/metrics.md):
/// `lifeline_flows_total{event}`, `lifeline_messages_total{channel,result}` and `lifeline_throttles_total{kind}`.
extension HTTPMetrics: OperationsObserver {
    static let flowsHelp = "Recovery flows started, verified and failed"
    static let messagesHelp = "Outbox delivery attempts per channel: sent, failed and retried, failed for good"
    static let throttlesHelp = "Throttles, pauses and lockouts: codes refused by a token throttle or lock, lockouts, recovery refused while paused, budgets paused, per-address refusals"

    /// Counts `event` (never throws, never blocks beyond the registry's lock).
    public func observe(_ event: OperationalEvent) {
        switch event {
        case .flow(let milestone, _):
            count("flows", help: Self.flowsHelp, labels: [("event", milestone.rawValue)])
        case .message(let channel, let outcome):
            count("messages", help: Self.messagesHelp, labels: [("channel", channel.rawValue), ("result", outcome.rawValue)])
        case .limit(let kind, _, _, _):
            count("throttles", help: Self.throttlesHelp, labels: [("kind", kind.rawValue)])
        }
    }

    /// Adds one to the counter `lifeline_<name>_total` with `labels` (created at its first use). `help` must be the
    /// same text at every call for a name (the registry refuses two help texts for one name). Why labels come from
    /// code, never from a request: each label set is a series kept forever, so a client-chosen value would let anyone
    /// grow the registry without bound.
    public func count(_ name: String, help: String, labels: [(String, String)] = []) {
        counter(name, help: help, labels: labels).increment()
    }

    func counter(_ name: String, help: String, labels: [(String, String)]) -> Counter {
        registry.makeCounter(descriptor: MetricNameDescriptor(namespace: "lifeline", metricName: name, unitName: "total", helpText: help),
                             labels: labels)
    }

    /// Creates every series of the counters above at zero, so that a scraper sees them (and `rate()` works) before
    /// the first event.
    func registerOperationalCounters() {
        for m in FlowMilestone.allCases { _ = counter("flows", help: Self.flowsHelp, labels: [("event", m.rawValue)]) }
        for c in MessageChannel.allCases {
            for o in MessageOutcome.allCases { _ = counter("messages", help: Self.messagesHelp, labels: [("channel", c.rawValue), ("result", o.rawValue)]) }
        }
        for k in LimitKind.allCases { _ = counter("throttles", help: Self.throttlesHelp, labels: [("kind", k.rawValue)]) }
    }
}
