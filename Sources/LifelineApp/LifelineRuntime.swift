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
    /// The tenants' directories (built-in or LDAP), closed by ``shutdown()``.
    let directories: AppDirectoryResolver

    /// Opens the database (creating the data folder with mode 0700 for SQLite), applies migrations and opens
    /// the key vault (creating the key file on first start).
    public static func open(_ config: LifelineConfiguration, logger: Logger, clock: any LifelineClock = SystemClock(),
                            random: any RandomSource = SystemRandom()) async throws -> LifelineRuntime {
        // Why first: a broken directory connection is the operator's mistake, reported before anything is created.
        try AppDirectoryResolver.validate(config.directories)
        let fm = FileManager.default
        let needsDir = config.databaseURL == nil || (config.kek == nil && config.keyFile == nil)
        if needsDir, !fm.fileExists(atPath: config.dataDir) {
            // Why 0700: the folder holds the database and, by default, the key that decrypts every seed.
            try fm.createDirectory(atPath: config.dataDir, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        }
        let vault: any KeyVault
        var fileVault: FileKeyVault? = nil
        if let kek = config.kek {
            guard let key = Data(base64Encoded: kek), key.count == 32 else { throw LifelineError(.configuration, "keys.kek must be 32 bytes in base64") }
            var previous: [[UInt8]] = []
            for p in config.previousKeks {
                guard let k = Data(base64Encoded: p), k.count == 32 else { throw LifelineError(.configuration, "keys.previous must be 32-byte base64 keys") }
                previous.append(Array(k))
            }
            vault = try FileKeyVault(kek: Array(key), previous: previous)
        } else {
            let v = try FileKeyVault(path: config.keyFilePath, random: random)
            vault = v; fileVault = v
        }
        let store = try await SQLStore.open(sqlitePath: config.databaseURL == nil ? config.sqlitePath : nil, postgresURL: config.databaseURL, logger: logger)
        // Why always: every process that appends must key the chain, or its events would break it (a downgrade).
        store.keyAuditChain(with: vault)
        do { try await store.migrate() } catch {
            await store.shutdown()
            throw error
        }
        let catalog: Catalog
        do { catalog = try WebResources.catalog() } catch {
            await store.shutdown()
            throw error
        }
        let validation = ValidationService(storage: store, vault: vault, clock: clock, policy: config.otp)
        // Every slow hash of the process (answers, built-in directory passwords) shares one bounded pool.
        SlowHashPool.configureShared(threads: config.slowHashThreads, maxQueued: config.slowHashQueue)
        let signal = OutboxSignal()
        let directories = AppDirectoryResolver(builtin: BuiltinDirectoryResolver(storage: store, random: random, clock: clock),
                                               connections: config.directories, logger: logger)
        return LifelineRuntime(
            config: config, store: store, vault: vault, fileVault: fileVault, clock: clock, random: random,
            admin: AdminService(storage: store, vault: vault, clock: clock, random: random, policy: config.otp, directories: directories),
            validation: validation,
            recovery: RecoveryService(storage: store, vault: vault, clock: clock, random: random, validation: validation, policy: config.otp,
                                      catalog: catalog, directories: directories, budget: config.budget,
                                      questions: config.questionLimits, hashPool: .shared, onQueued: { signal.fire() }),
            devOutbox: config.demo ? DevelopmentOutbox(clock: clock) : nil,
            outboxSignal: signal, directories: directories)
    }

    public func shutdown() async {
        await directories.shutdown()
        await store.shutdown()
    }
}
