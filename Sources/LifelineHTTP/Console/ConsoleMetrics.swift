import Prometheus

extension HTTPMetrics {
    /// Counts one console login by result (`lifeline_console_logins_total{result="success"|"failure"}`). The registry
    /// hands back the same counter for the same name and labels, so nothing is kept here.
    func recordConsoleLogin(success: Bool) {
        registry.makeCounter(descriptor: MetricNameDescriptor(namespace: "lifeline", metricName: "console_logins", unitName: "total",
                                                              helpText: "Console logins by result"),
                             labels: [("result", success ? "success" : "failure")]).increment()
    }
}
