import Logging
import PostgresKit
import PostgresNIO
import SQLKit
import Synchronization

/// PostgreSQL through PostgresNIO's connection pool (`PostgresClient`), which runs as a task until shutdown.
public final class PostgresBackend: SQLBackend {
    public let kind = SQLKind.postgres
    private let client: PostgresClient
    private let runTask: Task<Void, Never>
    private let groupCommit: GroupCommitWriter
    /// One group-commit writer per audit chain (``write(lane:_:)``), made on first use. Why per chain: a batch holds
    /// its chain's head row until it commits, so batches of different chains run on their own connections at once,
    /// and a slow transaction of one tenant holds up only that tenant's writes. Bounded by the pool: at most
    /// `maxConnections` batches run at a time; an idle writer holds no connection.
    private let lanes = Mutex<[String: GroupCommitWriter]>([:])

    private init(client: PostgresClient) {
        self.client = client
        self.runTask = Task { await client.run() }
        // Why group commit here too: every write transaction of one audit chain takes that chain's head row, so they
        // run one after another anyway, each waiting for its own commit's fsync. Batched, one fsync serves the batch.
        self.groupCommit = Self.writer(client)
    }

    private static func writer(_ client: PostgresClient) -> GroupCommitWriter {
        GroupCommitWriter(begin: "BEGIN") { body in
            try await client.withConnection { conn in await body(conn.sql(queryLogLevel: nil)) }
        }
    }

    /// Connects to `url` (`postgres://user:password@host:port/database[?sslmode=…]`).
    public static func connect(url: String, maxConnections: Int = 20, connectTimeout: Duration = .seconds(10), logger: Logger) async throws -> PostgresBackend {
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
        let backend = PostgresBackend(client: PostgresClient(configuration: config, backgroundLogger: logger))
        // Let the pool's run() task start before the first lease (otherwise PostgresNIO warns that it was not run).
        try? await Task.sleep(for: .milliseconds(20))
        // Fail fast on a wrong address, password or database instead of at the first request. Why a deadline: the
        // pool retries a failing connection forever, so a lease alone would wait forever.
        do {
            try await withThrowingTaskGroup(of: Bool.self) { group in
                group.addTask { _ = try await backend.read { try await $0.raw("SELECT 1 AS one").all() }; return true }
                group.addTask { try await Task.sleep(for: connectTimeout); return false }
                let reached = try await group.next() ?? false
                group.cancelAll()
                if !reached { throw LifelineStoreError.unreachable("no connection within \(connectTimeout) (check the address, password and database name)") }
            }
        } catch let error as LifelineStoreError {
            await backend.shutdown()
            throw error
        } catch {
            await backend.shutdown()
            throw LifelineStoreError.unreachable("\(String(describing: error).split(separator: "\n").first ?? "")".prefix(300).description)
        }
        return backend
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

    public func shutdown() async {
        runTask.cancel()
        _ = await runTask.value
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
