import Foundation
import LifelineStore
import Logging
import ServiceLifecycle

extension LifelineRuntime {
    /// The ServiceGroup of `serve`: the store (its connections; PostgreSQL's connection pool), then the server with its
    /// background services. It stops gracefully on SIGINT and SIGTERM. `onListening` gets the demo banner (with
    /// `config.demo`) and the port, once the server listens.
    ///
    /// Why the store first: a ServiceGroup stops its services in reverse order, so the store closes last, after the
    /// server finished its requests and the background services their last writes.
    public static func serviceGroup(_ config: LifelineConfiguration, tls: ServerTLS?, logger: Logger,
                                    onListening: @escaping @Sendable (_ banner: String?, _ port: Int) -> Void) async throws -> ServiceGroup {
        let store = try await openStore(config, logger: logger)
        let server = ServerService(config: config, store: store, tls: tls, logger: logger, onListening: onListening)
        return ServiceGroup(configuration: .init(services: [.init(service: store), .init(service: server)],
                                                 gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
    }
}

/// The HTTP server and its background services, on a store whose `run()` runs beside it in the same ServiceGroup.
/// Opening the runtime (waiting for the database, migrations, the demo seed) happens here, once the store runs.
struct ServerService: Service {
    let config: LifelineConfiguration
    let store: SQLStore
    let tls: ServerTLS?
    let logger: Logger
    let onListening: @Sendable (_ banner: String?, _ port: Int) -> Void

    func run() async throws {
        let runtime = try await LifelineRuntime.open(config, store: store, logger: logger)
        do {
            let banner: String? = config.demo
                ? try await DemoSeeder(runtime: runtime).seed(baseURL: "\(config.scheme)://\(config.host):\(config.port)") : nil
            let services = try runtime.backgroundServices(logger: logger)
            let app = buildApplication(runtime: runtime, logger: logger, services: services, tls: tls) { [onListening] port in
                onListening(banner, port)
            }
            // Inside the group, the application (and its own group of services) shuts down gracefully with it.
            try await app.run()
        } catch {
            await runtime.closeDirectories()
            throw error
        }
        await runtime.closeDirectories()
    }
}
