import Hummingbird
import LifelineCore
import LifelineHTTP
import Logging

/// Builds the HTTP application over a runtime: the one place where adapters meet the HTTP layer.
public func buildApplication(runtime: LifelineRuntime, metrics: HTTPMetrics = HTTPMetrics(), logger: Logger,
                             onServerRunning: @escaping @Sendable (Int) async -> Void = { _ in }) -> some ApplicationProtocol {
    let router = buildRouter(HTTPDependencies(admin: runtime.admin, validation: runtime.validation, storage: runtime.store, metrics: metrics))
    return Application(
        router: router,
        configuration: .init(address: .hostname(runtime.config.host, port: runtime.config.port), serverName: nil),
        onServerRunning: { channel in await onServerRunning(channel.localAddress?.port ?? 0) },
        logger: logger)
}
