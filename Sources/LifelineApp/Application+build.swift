import Hummingbird
import HummingbirdCore
import HummingbirdTLS
import LifelineCore
import LifelineHTTP
import Logging
import ServiceLifecycle

/// Builds the HTTP application over a runtime: the one place where adapters meet the HTTP layer.
/// `services` run beside the server (the dispatcher and janitor of ``LifelineRuntime/backgroundServices(logger:)``).
/// `tls`: the main listener's TLS (``ServerTLS/load(_:)`` of the same configuration), nil for plain HTTP.
public func buildApplication(runtime: LifelineRuntime, metrics: HTTPMetrics? = nil, logger: Logger, services: [any Service] = [],
                             tls: ServerTLS? = nil,
                             onServerRunning: @escaping @Sendable (Int) async -> Void = { _ in }) -> some ApplicationProtocol {
    assert(tls != nil || runtime.config.tlsCertificate == nil, "server.tls is configured: pass ServerTLS.load(config)")
    // nil: the runtime's, which the core's events (flows, messages, throttles) count into.
    let metrics = metrics ?? runtime.metrics
    var deps = HTTPDependencies(admin: runtime.admin, validation: runtime.validation, storage: runtime.store, metrics: metrics,
                                recovery: runtime.recovery, devOutbox: runtime.devOutbox,
                                recoveryRequestsPerMinute: runtime.config.recoveryRequestsPerMinute,
                                secureCookies: runtime.config.webSecureCookies, clock: runtime.clock)
    deps.trustedProxies = runtime.config.trustedProxies.compactMap(ClientAddress.Prefix.init)
    deps.configText = TenantFileText()
    deps.observer = metrics.registry === runtime.metrics.registry ? runtime.observer : metrics
    deps.accessLog = runtime.config.logAccess
    deps.operators = runtime.operators
    deps.publicURL = runtime.config.publicURL
    deps.listenerScheme = runtime.config.scheme
    deps.authenticatorService = runtime.authenticator
    deps.offlineService = runtime.offline
    var services = services
    let limits = ServerLimits(requestReadSeconds: runtime.config.requestReadTimeout, idleSeconds: runtime.config.idleTimeout,
                              maxConnections: runtime.config.maxConnections)
    if let port = runtime.config.metricsPort {
        // /metrics on a listener of its own, so that the public address does not show it (docs/configuration.md).
        deps.metricsOnMainListener = false
        services.append(Application(router: buildMetricsRouter(metrics: metrics),
                                    server: limitedServer(limits, listener: "metrics", tls: nil, metrics: metrics, logger: logger),
                                    configuration: .init(address: .hostname(runtime.config.metricsHost ?? runtime.config.host, port: port), serverName: nil),
                                    logger: logger))
    }
    let router = buildRouter(deps)
    // With TLS the main listener speaks HTTPS only: a plain-HTTP request on it fails the handshake and gets no page.
    // The metrics listener above stays plain (docs/configuration.md: keep it on loopback or a private network).
    return Application(
        router: router,
        server: limitedServer(limits, listener: "main", tls: tls, metrics: metrics, logger: logger),
        configuration: .init(address: .hostname(runtime.config.host, port: runtime.config.port), serverName: nil),
        services: services,
        onServerRunning: { channel in await onServerRunning(channel.localAddress?.port ?? 0) },
        logger: logger)
}

/// A listener's HTTP/1.1 server with the read deadline, idle timeout and connection cap of `limits` (docs/security.md
/// "Slow clients"), over TLS when `tls` is given. Each listener has a cap of its own, so that a full main listener
/// does not keep the metrics scraper out. The cap wraps TLS: a refused connection costs no handshake.
func limitedServer(_ limits: ServerLimits, listener: String, tls: ServerTLS?, metrics: HTTPMetrics, logger: Logger) -> HTTPServerBuilder {
    let gate = ConnectionGate(limit: limits.maxConnections, listener: listener, metrics: metrics, logger: logger)
    let http1 = limits.http1Configuration(metrics: metrics, listener: listener, logger: logger)
    return HTTPServerBuilder { responder in
        let channel = HTTP1Channel(responder: responder, configuration: http1)
        if let tls {
            return ConnectionCapChannel(try TLSChannel(channel, tlsConfiguration: tls.configuration), gate: gate)
        }
        return ConnectionCapChannel(channel, gate: gate)
    }
}
