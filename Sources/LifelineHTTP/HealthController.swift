import Hummingbird
import LifelineCore
import NIOCore

/// `/health`, `/ready` and `/metrics`: public, for load balancers and Prometheus.
struct HealthController {
    let probe: any HealthProbe
    let metrics: HTTPMetrics
    /// False when `/metrics` has a listener of its own (`metrics.port`).
    var servesMetrics = true

    func addRoutes(to router: Router<AppRequestContext>) {
        router.get("/health") { _, _ in
            try JSON.response(["status": "ok"])
        }
        router.get("/ready") { _, _ in
            guard await probe.isReachable() else { throw APIError(.serviceUnavailable, "not_ready", "the database is not reachable") }
            return try JSON.response(["status": "ready"])
        }
        if servesMetrics { Self.addMetricsRoute(to: router, metrics: metrics) }
    }

    /// `GET /metrics`, the Prometheus text format.
    static func addMetricsRoute<Context: RequestContext>(to router: Router<Context>, metrics: HTTPMetrics) {
        router.get("/metrics") { _, _ in
            var buffer: [UInt8] = []
            buffer.reserveCapacity(4096)
            metrics.registry.emit(into: &buffer)
            return Response(status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                            body: .init(byteBuffer: ByteBuffer(bytes: buffer)))
        }
    }
}

/// The router of the metrics listener of its own (`metrics.port`): `/metrics` and nothing else.
public func buildMetricsRouter(metrics: HTTPMetrics) -> Router<BasicRequestContext> {
    let router = Router(context: BasicRequestContext.self, options: .autoGenerateHeadEndpoints)
    HealthController.addMetricsRoute(to: router, metrics: metrics)
    return router
}
