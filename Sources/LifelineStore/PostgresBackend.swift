import Logging
import PostgresKit
import PostgresNIO
import SQLKit
import Synchronization

/// PostgreSQL through PostgresNIO's connection pool (`PostgresClient`).
///
/// The pool serves connections only while ``run()`` runs: `serve` runs the store as a service of its ServiceGroup
/// (shut down last, after the HTTP server and the background services), the CLI commands and the tests through
/// ``SQLStore/withRunning(_:)``. Ending `run()` (graceful shutdown or cancellation) closes every connection.
public final class PostgresBackend: SQLBackend {
    public let kind = SQLKind.postgres
    private let client: PostgresClient
    private let groupCommit: GroupCommitWriter
    /// Set, and `started` told, when ``run()`` is about to start the pool: the first lease waits for it.
    private let hasStarted = Atomic<Bool>(false)
    private let started: AsyncStream<Void>
    private let startedContinuation: AsyncStream<Void>.Continuation
    private let connectTimeout: Duration
    /// One group-commit writer per audit chain (``write(lane:_:)``), made on first use. Why per chain: a batch holds
    /// its chain's head row until it commits, so batches of different chains run on their own connections at once,
    /// and a slow transaction of one tenant holds up only that tenant's writes. Bounded by the pool: at most
    /// `maxConnections` batches run at a time; an idle writer holds no connection.
    private let lanes = Mutex<[String: GroupCommitWriter]>([:])

    private init(client: PostgresClient, connectTimeout: Duration) {
        self.client = client
        self.connectTimeout = connectTimeout
        (started, startedContinuation) = AsyncStream<Void>.makeStream(bufferingPolicy: .bufferingNewest(1))
        // Why group commit here too: every write transaction of one audit chain takes that chain's head row, so they
        // run one after another anyway, each waiting for its own commit's fsync. Batched, one fsync serves the batch.
        self.groupCommit = Self.writer(client)
    }

    private static func writer(_ client: PostgresClient) -> GroupCommitWriter {
        GroupCommitWriter(begin: "BEGIN") { body in
            try await client.withConnection { conn in await body(conn.sql(queryLogLevel: nil)) }
        }
    }

    /// A backend for `url` (`postgres://user:password@host:port/database[?sslmode=…]`); it connects once ``run()``
    /// runs. `connectTimeout` bounds ``waitUntilReachable()``.
    public static func make(url: String, maxConnections: Int = 20, connectTimeout: Duration = .seconds(10), logger: Logger) throws -> PostgresBackend {
        let parsed: SQLPostgresConfiguration
        do { parsed = try SQLPostgresConfiguration(url: url) } catch {
            throw LifelineStoreError.badURL
        }
        let c = parsed.coreConfiguration
        guard let host = c.host else { throw LifelineStoreError.badURL }
        let tls: PostgresClient.Configuration.TLS
        if c.tls.sslContext != nil {
            tls = c.tls.isEnforced ? .require(.makeClientConfiguration()) : .prefer(.makeClientConfiguration())
        } else {
            tls = .disable
        }
        var config = PostgresClient.Configuration(host: host, port: c.port ?? 5432, username: c.username,
                                                  password: c.password, database: c.database, tls: tls)
        config.options.maximumConnections = maxConnections
        config.options.minimumConnections = 1
        return PostgresBackend(client: PostgresClient(configuration: config, backgroundLogger: logger), connectTimeout: connectTimeout)
    }

    /// Runs the connection pool until graceful shutdown or cancellation, then closes its connections.
    public func run() async {
        hasStarted.store(true, ordering: .releasing)
        startedContinuation.yield()
        // Nothing suspends between the signal above and the pool marking itself running (the first thing `run()` does):
        // a lease that the signal woke finds it running (else PostgresNIO would warn; the lease would wait anyway).
        await client.run()
    }

    /// Waits until ``run()`` has started and one query answered, within the connect timeout.
    /// Why: fail fast on a wrong address, password or database instead of at the first request; and the pool retries a
    /// failing connection forever, so a lease alone would wait forever.
    public func waitUntilReachable() async throws {
        let connectTimeout = self.connectTimeout
        do {
            try await withThrowingTaskGroup(of: Bool.self) { group in
                group.addTask {
                    // One waiter at a time (an AsyncStream has one consumer): the store calls this once, on opening.
                    if !self.hasStarted.load(ordering: .acquiring) { for await _ in self.started { break } }
                    _ = try await self.read { try await $0.raw("SELECT 1 AS one").all() }
                    return true
                }
                group.addTask { try await Task.sleep(for: connectTimeout); return false }
                let reached = try await group.next() ?? false
                group.cancelAll()
                if !reached { throw LifelineStoreError.unreachable("no connection within \(connectTimeout) (check the address, password and database name)") }
            }
        } catch let error as LifelineStoreError {
            throw error
        } catch {
            throw LifelineStoreError.unreachable("\(String(describing: error).split(separator: "\n").first ?? "")".prefix(300).description)
        }
    }

    public func read<R: Sendable>(_ body: @Sendable (any SQLDatabase) async throws -> R) async throws -> R {
        try await client.withConnection { conn in try await body(conn.sql(queryLogLevel: nil)) }
    }

    public func write<R: Sendable>(_ body: @escaping @Sendable (any SQLDatabase) async throws -> R) async throws -> R {
        try await groupCommit.submit(body)
    }

    public func write<R: Sendable>(lane: String, _ body: @escaping @Sendable (any SQLDatabase) async throws -> R) async throws -> R {
        let writer = lanes.withLock { lanes in
            if let w = lanes[lane] { return w }
            let w = Self.writer(client)
            lanes[lane] = w
            return w
        }
        return try await writer.submit(body)
    }
}

/// Errors of opening a database.
public enum LifelineStoreError: Error, CustomStringConvertible {
    case badURL
    case unreachable(String)
    case migration(String)

    public var description: String {
        switch self {
        case .badURL: return "the database URL is not a valid postgres:// URL"
        case .unreachable(let why): return "the database is not reachable: \(why)"
        case .migration(let why): return "migration failed: \(why)"
        }
    }
}
