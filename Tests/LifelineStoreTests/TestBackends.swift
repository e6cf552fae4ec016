import Foundation
import LifelineApp
import LifelineCore
@testable import LifelineStore
import Logging
import SQLKit
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
            let admin = SQLStore(backend: try await PostgresBackend.connect(url: base, maxConnections: 1, connectTimeout: .seconds(60), logger: quietLogger))
            do {
                try await admin.exec("CREATE DATABASE \(unsafeRaw: name)")
            } catch {
                await admin.shutdown()
                throw error
            }
            await admin.shutdown()
            return TestDatabase(backend: backend, sqlitePath: nil, postgresURL: url, folder: nil, name: name, keyFile: keyFile, vault: vault)
        }
    }

    /// A store on this database (a separate instance per call: its own connections, like another process).
    /// `keyed`: false for a store that writes the legacy unkeyed audit form (a server from before the keyed chain).
    func openStore(migrate: Bool = true, maxConnections: Int = 5, keyed: Bool = true) async throws -> SQLStore {
        let store: SQLStore
        if let postgresURL {
            // A minute to connect: CI runs every suite at once on 2 cores, and 10 s ran out under such load.
            store = SQLStore(backend: try await PostgresBackend.connect(url: postgresURL, maxConnections: maxConnections,
                                                                        connectTimeout: .seconds(60), logger: quietLogger))
        } else {
            store = try await SQLStore.open(sqlitePath: sqlitePath, logger: quietLogger)
        }
        if keyed { store.keyAuditChain(with: vault) }
        if migrate {
            do { try await store.migrate() } catch {
                await store.shutdown()
                throw error
            }
        }
        return store
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
            try? await admin.exec("DROP DATABASE IF EXISTS \(unsafeRaw: name) WITH (FORCE)")
            await admin.shutdown()
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
