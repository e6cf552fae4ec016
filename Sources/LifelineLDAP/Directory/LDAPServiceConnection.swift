import LifelineCore
import Logging

/// The service account's connection, opened and bound on first use and kept for the next operations (they are
/// pipelined on it). A connection the server closed (idle timeout, restart) is replaced on the next use.
actor LDAPServiceConnection {
    private let configuration: LDAPDirectoryConfiguration
    /// Where the service account's password is read at each bind.
    private let secrets: any SecretReader
    private let logger: Logger
    private var current: LDAPConnection?
    private var opening: Task<LDAPConnection, any Error>?
    private var isShutDown = false
    /// How many connections were opened and bound (tests check the reuse with it).
    private(set) var opened = 0

    init(configuration: LDAPDirectoryConfiguration, secrets: any SecretReader, logger: Logger) {
        self.configuration = configuration
        self.secrets = secrets
        self.logger = logger
    }

    /// The bound connection, opening one if there is none or the last one closed.
    func connection() async throws(LDAPError) -> LDAPConnection {
        guard !isShutDown else { throw .notSent("the directory was shut down") }
        if let current, current.isActive { return current }
        current = nil
        if let opening {
            // Another caller is connecting: share its connection rather than open a second one.
            do { return try await opening.value } catch { throw LDAPClientHandler.map(error) }
        }
        let configuration = self.configuration
        let logger = self.logger
        let secrets = self.secrets
        let task = Task { () async throws -> LDAPConnection in
            try await Self.open(configuration, secrets: secrets, logger: logger)
        }
        opening = task
        let result = await task.result
        opening = nil
        switch result {
        case .success(let connection):
            if isShutDown {
                await connection.close()
                throw .notSent("the directory was shut down")
            }
            current = connection
            opened += 1
            return connection
        case .failure(let error):
            throw LDAPClientHandler.map(error)
        }
    }

    /// Forgets `connection` after a transport failure (the next use opens a new one).
    func discard(_ connection: LDAPConnection) async {
        if current === connection { current = nil }
        await connection.close()
    }

    /// Unbinds and closes; later operations fail.
    func shutdown() async {
        isShutDown = true
        if let current { await current.close() }
        current = nil
    }

    /// Connects, upgrades with StartTLS if configured, and binds as the service account.
    private static func open(_ configuration: LDAPDirectoryConfiguration, secrets: any SecretReader, logger: Logger) async throws(LDAPError) -> LDAPConnection {
        let settings = configuration.settings
        let endpoint = configuration.endpoint
        let password: String
        do { password = try settings.bindPassword(from: secrets) } catch { throw .configuration("\(error)") }
        let connection = try await LDAPConnection.connect(
            host: endpoint.host, port: endpoint.port, implicitTLS: endpoint.implicitTLS ? configuration.tlsUpgrade : nil,
            timeout: configuration.timeout)
        do throws(LDAPError) {
            if settings.startTLS, let upgrade = configuration.tlsUpgrade { try await connection.startTLS(upgrade) }
            let result = try await connection.bind(dn: settings.bindDN, password: password)
            guard result.isSuccess else { throw LDAPError.configuration("the service account's bind was refused: \(result)") }
        } catch {
            await connection.close()
            throw error
        }
        logger.debug("LDAP service connection opened", metadata: [
            "ldap.host": "\(endpoint.host):\(endpoint.port)", "ldap.tls": "\(connection.isEncrypted)"])
        return connection
    }
}
