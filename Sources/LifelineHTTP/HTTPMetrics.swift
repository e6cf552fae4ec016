import Prometheus

/// The Prometheus metrics the HTTP layer records.
public struct HTTPMetrics: Sendable {
    public let registry: PrometheusCollectorRegistry
    let accepts: Counter
    let rejects: Counter
    let validationDuration: DurationHistogram
    let requests: Counter

    public init(registry: PrometheusCollectorRegistry = PrometheusCollectorRegistry()) {
        self.registry = registry
        let validations = MetricNameDescriptor(namespace: "lifeline", metricName: "validations", unitName: "total",
                                               helpText: "OTP validations by result")
        accepts = registry.makeCounter(descriptor: validations, labels: [("result", "accept")])
        rejects = registry.makeCounter(descriptor: validations, labels: [("result", "reject")])
        validationDuration = registry.makeDurationHistogram(
            descriptor: MetricNameDescriptor(namespace: "lifeline", metricName: "validation_duration", unitName: "seconds",
                                             helpText: "Time to answer a validation"),
            buckets: [.microseconds(250), .microseconds(500), .milliseconds(1), .milliseconds(2), .milliseconds(5),
                      .milliseconds(10), .milliseconds(25), .milliseconds(50), .milliseconds(100), .milliseconds(500)])
        requests = registry.makeCounter(descriptor: MetricNameDescriptor(namespace: "lifeline", metricName: "http_requests", unitName: "total",
                                                                         helpText: "HTTP requests answered"))
        registerOperationalCounters()
    }

    /// Connections open now on a listener (`lifeline_connections_open{listener=...}`).
    func connectionsOpen(listener: String) -> Gauge {
        registry.makeGauge(descriptor: MetricNameDescriptor(namespace: "lifeline", metricName: "connections", unitName: "open",
                                                            helpText: "Connections open now, per listener"),
                           labels: [("listener", listener)])
    }

    /// Connections closed at once because the listener had `server.maxConnections` open.
    func connectionsRefused(listener: String) -> Counter {
        registry.makeCounter(descriptor: MetricNameDescriptor(namespace: "lifeline", metricName: "connections_refused", unitName: "total",
                                                              helpText: "Connections closed at once because the listener was full (server.maxConnections)"),
                             labels: [("listener", listener)])
    }

    /// Connections closed because a request did not arrive in full within `server.timeouts.requestRead`.
    func connectionsTimedOut(listener: String) -> Counter {
        registry.makeCounter(descriptor: MetricNameDescriptor(namespace: "lifeline", metricName: "connections_read_timeouts", unitName: "total",
                                                              helpText: "Connections closed because a request did not arrive in time (server.timeouts.requestRead)"),
                             labels: [("listener", listener)])
    }

    func recordValidation(accepted: Bool, duration: Duration) {
        (accepted ? accepts : rejects).increment()
        validationDuration.record(duration)
    }
}

import Hummingbird

/// Counts every HTTP request answered (`lifeline_http_requests_total`).
struct RequestCountMiddleware<Context: RequestContext>: RouterMiddleware {
    let metrics: HTTPMetrics

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        defer { metrics.requests.increment() }
        return try await next(request, context)
    }
}
