import Foundation
import LifelineApp
import LifelineCore
@testable import LifelineStore
import Logging
import SQLKit
import Synchronization
import Testing

/// The databases the store contract is checked against: SQLite always, PostgreSQL when
/// `LIFELINE_TEST_POSTGRES_URL` is set (scripts/test.sh always sets it, so CI never skips it).
enum Backend: String, Sendable, CaseIterable, CustomTestStringConvertible {
    case sqlite, postgres

    static var postgresURL: String? {
        guard let url = ProcessInfo.processInfo.environment["LIFELINE_TEST_POSTGRES_URL"], !url.isEmpty else { return nil }
        return url
    }

    static var available: [Backend] { postgresURL == nil ? [.sqlite] : [.sqlite, .postgres] }

    var testDescription: String { rawValue }
}

/// Loggers that stay quiet (PostgresNIO logs connection churn at info level).
let quietLogger = Logger(label: "lifeline.store-tests", factory: { _ in SwiftLogNoOpLogHandler() })

/// One fresh, empty database for one test: a SQLite file in its own temp folder, or a PostgreSQL database
/// `t_<random>` created on the test server (tests run in parallel and must not see each other's rows).
struct TestDatabase: Sendable {
    let backend: Backend
    /// The SQLite file, or nil.
    let sqlitePath: String?
    /// The PostgreSQL URL of this test's database, or nil.
    let postgresURL: String?
    let folder: String?
    let name: String
    /// The key file of this test's key-encryption keys (its own temp file), shared by every store on this database
    /// like the key file of one deployment: every store keys the audit chain with it.
    let keyFile: String
    let vault: FileKeyVault

    static func create(_ backend: Backend) async throws -> TestDatabase {
        let name = "t_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased()
        let keyFile = FileManager.default.temporaryDirectory.appendingPathComponent("lifeline-keys-\(name).json").path
        let vault = try FileKeyVault(path: keyFile, random: SystemRandom())
        switch backend {
        case .sqlite:
            let folder = FileManager.default.temporaryDirectory.appendingPathComponent("lifeline-store-\(name)").path
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
            return TestDatabase(backend: backend, sqlitePath: folder + "/lifeline.sqlite", postgresURL: nil, folder: folder, name: name, keyFile: keyFile, vault: vault)
        case .postgres:
            let base = try #require(Backend.postgresURL, "LIFELINE_TEST_POSTGRES_URL is not set")
            var components = try #require(URLComponents(string: base), "LIFELINE_TEST_POSTGRES_URL is not a URL")
            components.path = "/" + name
            let url = try #require(components.string)
            // The same minute to connect as `openStore`: under full-suite load on 2 cores this connection, too, missed a
            // 10 s deadline (CI of 2026-12-04: OutboxSealTests "no connection within 10.0 seconds").
            let admin = SQLStore(backend: try PostgresBackend.make(url: base, maxConnections: 1, connectTimeout: .seconds(60), logger: quietLogger))
            try await admin.withRunning { try await $0.exec("CREATE DATABASE \(unsafeRaw: name)") }
            return TestDatabase(backend: backend, sqlitePath: nil, postgresURL: url, folder: nil, name: name, keyFile: keyFile, vault: vault)
        }
    }

    /// A store on this database (a separate instance per call: its own connections, like another process).
    /// `keyed`: false for a store that writes the legacy unkeyed audit form (a server from before the keyed chain).
    func openStore(migrate: Bool = true, maxConnections: Int = 5, keyed: Bool = true) async throws -> SQLStore {
        let store: SQLStore
        if let postgresURL {
            // A minute to connect: CI runs every suite at once on 2 cores, and 10 s ran out under such load.
            store = SQLStore(backend: try PostgresBackend.make(url: postgresURL, maxConnections: maxConnections,
                                                               connectTimeout: .seconds(60), logger: quietLogger))
        } else {
            store = try await SQLStore.open(sqlitePath: sqlitePath, logger: quietLogger)
        }
        try await store.start()
        if keyed { store.keyAuditChain(with: vault) }
        if migrate {
            do { try await store.migrate() } catch {
                await store.shutdown()
                throw error
            }
        }
        return store
    }

    /// A store on this database whose `run()` has not started (for the lifecycle tests).
    func openUnstartedStore() async throws -> SQLStore {
        let store: SQLStore
        if let postgresURL {
            store = SQLStore(backend: try PostgresBackend.make(url: postgresURL, maxConnections: 5, connectTimeout: .seconds(60), logger: quietLogger))
        } else {
            store = try await SQLStore.open(sqlitePath: sqlitePath, logger: quietLogger)
        }
        store.keyAuditChain(with: vault)
        return store
    }

    /// How many connections to this database are open. PostgreSQL: its sessions on the database, seen from another
    /// connection. SQLite: 1 while the write-ahead log file exists (SQLite deletes it when the last connection closes).
    func openConnections() async throws -> Int64 {
        guard let base = Backend.postgresURL, backend == .postgres else {
            return FileManager.default.fileExists(atPath: sqlitePath! + "-wal") ? 1 : 0
        }
        let admin = SQLStore(backend: try PostgresBackend.make(url: base, maxConnections: 1, connectTimeout: .seconds(60), logger: quietLogger))
        return try await admin.withRunning { try await $0.int("SELECT COUNT(*) AS n FROM pg_stat_activity WHERE datname = '\(unsafeRaw: name)'") }
    }

    /// Runs `body` with a second, unmigrated store on this database (another process's view), shut down afterwards,
    /// also when `body` throws.
    func withSecondStore(maxConnections: Int = 5, keyed: Bool = true, _ body: (SQLStore) async throws -> Void) async throws {
        let second = try await openStore(migrate: false, maxConnections: maxConnections, keyed: keyed)
        do { try await body(second) } catch {
            await second.shutdown()
            throw error
        }
        await second.shutdown()
    }

    /// Deletes the database (best effort).
    func drop() async {
        try? FileManager.default.removeItem(atPath: keyFile)
        if let folder { try? FileManager.default.removeItem(atPath: folder) }
        if backend == .postgres, let base = Backend.postgresURL,
           let admin = try? await SQLStore.open(postgresURL: base, logger: quietLogger) {
            _ = try? await admin.withRunning { try await $0.exec("DROP DATABASE IF EXISTS \(unsafeRaw: name) WITH (FORCE)") }
        }
    }
}

/// Runs `body` with a migrated store on a fresh database of `backend`, then shuts it down and drops the database.
func withStore(_ backend: Backend, migrate: Bool = true, maxConnections: Int = 5, keyed: Bool = true,
               _ body: (SQLStore, TestDatabase) async throws -> Void) async throws {
    let db = try await TestDatabase.create(backend)
    let store: SQLStore
    do { store = try await db.openStore(migrate: migrate, maxConnections: maxConnections, keyed: keyed) } catch {
        await db.drop()
        throw error
    }
    do {
        try await body(store, db)
    } catch {
        await store.shutdown()
        await db.drop()
        throw error
    }
    await store.shutdown()
    await db.drop()
}

/// The `run()` tasks of the stores that tests opened with ``SQLStore/start()``, by store.
private let storeRuns = Mutex<[ObjectIdentifier: Task<Void, Never>]>([:])

extension SQLStore {
    /// Runs the store's connections (its `run()`) in a task of their own until ``shutdown()``, and waits until the
    /// database answers. Why not ``SQLStore/withRunning(_:)``: tests open and close stores in any order (another
    /// process's view opened and closed in the middle of a test), which a task group's nesting does not allow.
    func start() async throws {
        let run = Task { _ = try? await self.run() }
        storeRuns.withLock { $0[ObjectIdentifier(self)] = run }
        do { try await waitUntilReachable() } catch {
            await shutdown()
            throw error
        }
    }

    /// Ends the store's `run()` (as a ServiceGroup's shutdown would) and waits until its connections are closed.
    func shutdown() async {
        guard let run = storeRuns.withLock({ $0.removeValue(forKey: ObjectIdentifier(self)) }) else { return }
        run.cancel()
        await run.value
    }
}

/// Raw SQL for tests (tampering, counting) through the store's internal backend.
extension SQLStore {
    func exec(_ sql: SQLQueryString) async throws {
        try await backend.read { db in try await db.raw(sql).run() }
    }

    /// The first column `n` of the first row, as an integer.
    func int(_ sql: SQLQueryString) async throws -> Int64 {
        try await backend.read { db in
            guard let row = try await db.raw(sql).first() else { throw LifelineError(.internalError, "no row") }
            return try row.decode(column: "n", as: Int64.self)
        }
    }

    func auditCount() async throws -> Int64 { try await int("SELECT COUNT(*) AS n FROM audit_events") }

    /// The sequence numbers in the log, in order (of one chain, or of all chains one after another).
    func auditSeqs(chain: String? = nil) async throws -> [Int64] {
        try await backend.read { db in
            let sql: SQLQueryString = chain.map { "SELECT seq FROM audit_events WHERE chain = \(bind: $0) ORDER BY seq" }
                ?? "SELECT seq FROM audit_events ORDER BY chain, seq"
            return try await db.raw(sql).all().map { try $0.decode(column: "seq", as: Int64.self) }
        }
    }

    /// Every event, by chain and sequence number.
    func auditEvents() async throws -> [AuditEvent] {
        try await backend.read { db in
            try await db.raw("SELECT * FROM audit_events ORDER BY chain, seq").all().map(SQLStore.event(from:))
        }
    }
}
