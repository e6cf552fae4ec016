import Hummingbird
import LifelineCore
import LifelineHTTP
import Logging
import ServiceLifecycle

/// Builds the HTTP application over a runtime: the one place where adapters meet the HTTP layer.
/// `services` run beside the server (the dispatcher and janitor of ``LifelineRuntime/backgroundServices(logger:)``).
public func buildApplication(runtime: LifelineRuntime, metrics: HTTPMetrics = HTTPMetrics(), logger: Logger, services: [any Service] = [],
                             onServerRunning: @escaping @Sendable (Int) async -> Void = { _ in }) -> some ApplicationProtocol {
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
    return Application(
        router: router,
        configuration: .init(address: .hostname(runtime.config.host, port: runtime.config.port), serverName: nil),
        services: services,
        onServerRunning: { channel in await onServerRunning(channel.localAddress?.port ?? 0) },
        logger: logger)
}
