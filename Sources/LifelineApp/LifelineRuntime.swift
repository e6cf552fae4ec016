import Foundation
import LifelineCore
import LifelineDelivery
import LifelineHTTP
import LifelineStore
import Logging

/// The wired core: storage, key vault and services, shared by `serve` and every CLI command.
public struct LifelineRuntime: Sendable {
    public let config: LifelineConfiguration
    public let store: SQLStore
    public let vault: any KeyVault
    public let fileVault: FileKeyVault?
    public let clock: any LifelineClock
    public let random: any RandomSource
    public let admin: AdminService
    public let validation: ValidationService
    public let recovery: RecoveryService
    /// Demo mode only: keeps messages for `/dev/outbox` instead of sending them where no provider is configured.
    public let devOutbox: DevelopmentOutbox?
    /// Fired when a flow queued a message; the dispatcher listens to it.
    public let outboxSignal: OutboxSignal
    /// The tenants' directories (built-in or LDAP), closed by ``closeDirectories()``.
    let directories: AppDirectoryResolver
    /// Users from the tenants' directories: sync, import, lookup at flow start.
    public let directoryUsers: DirectoryUserService
    /// The Prometheus metrics of this process (`/metrics`), which the core's events count into.
    public let metrics: HTTPMetrics
    /// Counts and logs the core's operational events (``OperationsRecorder``).
    public let observer: any OperationsObserver

    /// Opens the store of `config` (creating the data folder with mode 0700 for SQLite). It serves queries while its
    /// `run()` runs: `serve` runs it in its ServiceGroup, everything else through ``withRuntime(_:logger:clock:random:_:)``.
    public static func openStore(_ config: LifelineConfiguration, logger: Logger) async throws -> SQLStore {
        // Why first: a broken directory connection or key is the operator's mistake, reported before anything is created.
        try AppDirectoryResolver.validate(config.directories)
        _ = try configuredKeys(config)
        let fm = FileManager.default
        let needsDir = config.databaseURL == nil || (config.kek == nil && config.keyFile == nil)
        if needsDir, !fm.fileExists(atPath: config.dataDir) {
            // Why 0700: the folder holds the database and, by default, the key that decrypts every seed.
            try fm.createDirectory(atPath: config.dataDir, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        }
        return try await SQLStore.open(sqlitePath: config.databaseURL == nil ? config.sqlitePath : nil, postgresURL: config.databaseURL,
                                      connectTimeout: .seconds(config.databaseConnectTimeout), logger: logger)
    }

    /// The key-encryption keys of `keys.kek` and `keys.previous`, or nil when the key file holds them.
    private static func configuredKeys(_ config: LifelineConfiguration) throws -> (current: [UInt8], previous: [[UInt8]])? {
        guard let kek = config.kek else { return nil }
        guard let key = Data(base64Encoded: kek), key.count == 32 else { throw LifelineError(.configuration, "keys.kek must be 32 bytes in base64") }
        var previous: [[UInt8]] = []
        for p in config.previousKeks {
            guard let k = Data(base64Encoded: p), k.count == 32 else { throw LifelineError(.configuration, "keys.previous must be 32-byte base64 keys") }
            previous.append(Array(k))
        }
        return (Array(key), previous)
    }

    /// Opens the runtime on a `store` of ``openStore(_:logger:)`` whose `run()` runs: waits until the database answers,
    /// applies migrations and opens the key vault (creating the key file on first start). The store is not closed here,
    /// also not on an error: it closes when its `run()` ends.
    public static func open(_ config: LifelineConfiguration, store: SQLStore, logger: Logger, clock: any LifelineClock = SystemClock(),
                            random: any RandomSource = SystemRandom()) async throws -> LifelineRuntime {
        try AppDirectoryResolver.validate(config.directories)
        try await store.waitUntilReachable()
        let vault: any KeyVault
        var fileVault: FileKeyVault? = nil
        if let (key, previous) = try configuredKeys(config) {
            vault = try FileKeyVault(kek: key, previous: previous)
        } else {
            let v = try FileKeyVault(path: config.keyFilePath, random: random)
            vault = v; fileVault = v
        }
        // Why always: every process that appends must key the chain, or its events would break it (a downgrade).
        store.keyAuditChain(with: vault)
        try await store.migrate()
        let catalog = try WebResources.catalog()
        let metrics = HTTPMetrics()
        let observer = OperationsRecorder(metrics: metrics, logger: logger)
        var validation = ValidationService(storage: store, vault: vault, clock: clock, policy: config.otp)
        validation.observer = observer
        // Every slow hash of the process (answers, built-in directory passwords) shares one bounded pool.
        SlowHashPool.configureShared(threads: config.slowHashThreads, maxQueued: config.slowHashQueue)
        let signal = OutboxSignal()
        let directories = AppDirectoryResolver(builtin: BuiltinDirectoryResolver(storage: store, random: random, clock: clock),
                                               connections: config.directories, logger: logger)
        let admin = AdminService(storage: store, vault: vault, clock: clock, random: random, policy: config.otp, directories: directories)
        var recovery = RecoveryService(storage: store, vault: vault, clock: clock, random: random, validation: validation, policy: config.otp,
                                       catalog: catalog, directories: directories, budget: config.budget,
                                       questions: config.questionLimits, hashPool: .shared, onQueued: { signal.fire() })
        let directoryUsers = DirectoryUserService(storage: store, admin: admin, directories: directories, clock: clock, random: random,
                                                  onProblem: { tenant, message in logger.warning("directory users: \(message)", metadata: ["tenant": "\(tenant)"]) })
        recovery.directoryUsers = directoryUsers
        recovery.observer = observer
        return LifelineRuntime(
            config: config, store: store, vault: vault, fileVault: fileVault, clock: clock, random: random,
            admin: admin,
            validation: validation,
            recovery: recovery,
            devOutbox: config.demo ? DevelopmentOutbox(clock: clock) : nil,
            outboxSignal: signal, directories: directories, directoryUsers: directoryUsers, metrics: metrics, observer: observer)
    }

    /// Opens the store and the runtime, runs `body` with it, and closes both afterwards, also when `body` throws: the
    /// store's `run()` runs in a child task meanwhile (``SQLStore/withRunning(_:)``). For the CLI commands and tests.
    public static func withRuntime<R>(_ config: LifelineConfiguration, logger: Logger, clock: any LifelineClock = SystemClock(),
                                      random: any RandomSource = SystemRandom(),
                                      _ body: (LifelineRuntime) async throws -> R) async throws -> R {
        let store = try await openStore(config, logger: logger)
        return try await store.withRunning { store in
            let runtime = try await open(config, store: store, logger: logger, clock: clock, random: random)
            do {
                let result = try await body(runtime)
                await runtime.closeDirectories()
                return result
            } catch {
                await runtime.closeDirectories()
                throw error
            }
        }
    }

    /// Closes the connections to the tenants' directories (LDAP). The store closes when its `run()` ends.
    public func closeDirectories() async {
        await directories.shutdown()
    }
}
