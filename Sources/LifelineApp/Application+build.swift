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
public func buildApplication(runtime: LifelineRuntime, metrics: HTTPMetrics = HTTPMetrics(), logger: Logger, services: [any Service] = [],
                             tls: ServerTLS? = nil,
                             onServerRunning: @escaping @Sendable (Int) async -> Void = { _ in }) -> some ApplicationProtocol {
    assert(tls != nil || runtime.config.tlsCertificate == nil, "server.tls is configured: pass ServerTLS.load(config)")
    var deps = HTTPDependencies(admin: runtime.admin, validation: runtime.validation, storage: runtime.store, metrics: metrics,
                                recovery: runtime.recovery, devOutbox: runtime.devOutbox,
                                recoveryRequestsPerMinute: runtime.config.recoveryRequestsPerMinute,
                                secureCookies: runtime.config.webSecureCookies, clock: runtime.clock)
    deps.trustedProxies = runtime.config.trustedProxies.compactMap(ClientAddress.Prefix.init)
    var services = services
    if let port = runtime.config.metricsPort {
        // /metrics on a listener of its own, so that the public address does not show it (docs/configuration.md).
        deps.metricsOnMainListener = false
        services.append(Application(router: buildMetricsRouter(metrics: metrics),
                                    configuration: .init(address: .hostname(runtime.config.metricsHost ?? runtime.config.host, port: port), serverName: nil),
                                    logger: logger))
    }
    let router = buildRouter(deps)
    // With TLS the main listener speaks HTTPS only: a plain-HTTP request on it fails the handshake and gets no page.
    // The metrics listener above stays plain (docs/configuration.md: keep it on loopback or a private network).
    let http1 = HTTP1Channel.Configuration()
    let server: HTTPServerBuilder = if let tls {
        .init { responder in
            try TLSChannel(HTTP1Channel(responder: responder, configuration: http1), tlsConfiguration: tls.configuration)
        }
    } else {
        .http1(configuration: http1)
    }
    return Application(
        router: router,
        server: server,
        configuration: .init(address: .hostname(runtime.config.host, port: runtime.config.port), serverName: nil),
        services: services,
        onServerRunning: { channel in await onServerRunning(channel.localAddress?.port ?? 0) },
        logger: logger)
}
