import Logging
import NIOCore
import NIOPosix
import SQLiteKit
import SQLKit

/// SQLite in WAL mode: one writer connection behind an in-process group-commit queue (`GroupCommitWriter`),
/// and a few reader connections.
///
/// Why one writer: SQLite allows one writer at a time anyway; queueing in process avoids the busy handler's
/// sleeps and lock-upgrade deadlocks. `busy_timeout` still covers other processes (the CLI) on the same file.
public final class SQLiteBackend: SQLBackend {
    public let kind = SQLKind.sqlite
    private let writer: SQLiteConnection
    private let groupCommit: GroupCommitWriter
    private let readers: ResourcePool<SQLiteConnection>
    private let all: [SQLiteConnection]
    private let threadPool: NIOThreadPool

    private init(writer: SQLiteConnection, readers: [SQLiteConnection], threadPool: NIOThreadPool) {
        self.writer = writer
        self.groupCommit = GroupCommitWriter(db: writer.sql(queryLogLevel: nil), begin: "BEGIN IMMEDIATE")
        self.readers = ResourcePool(readers)
        self.all = [writer] + readers
        self.threadPool = threadPool
    }

    /// Opens (creating if needed) the database file at `path`.
    public static func open(path: String, readers: Int = 4, logger: Logger) async throws -> SQLiteBackend {
        // Why a pool of our own with a thread per connection: libsqlite3 calls block their thread, and a statement
        // waiting for the write lock sleeps in the busy handler for up to busy_timeout. On the shared
        // NIOThreadPool.singleton (as many threads as cores) such waiters could take every thread, so the
        // connection that holds the lock (another SQLiteBackend on the same file in this process) could never run
        // its COMMIT: a deadlock until the timeout, then "database is locked". With one thread per connection
        // every connection always has a thread.
        let threadPool = NIOThreadPool(numberOfThreads: readers + 1)
        threadPool.start()
        var conns: [SQLiteConnection] = []
        do {
            for _ in 0..<(readers + 1) {
                let c = try await SQLiteConnection.open(storage: .file(path: path), threadPool: threadPool, logger: logger,
                                                        on: MultiThreadedEventLoopGroup.singleton.any())
                conns.append(c)
                let db = c.sql(queryLogLevel: nil)
                try await db.raw("PRAGMA busy_timeout = 10000").run()
                try await db.raw("PRAGMA foreign_keys = ON").run()
            }
            let w = conns[0].sql(queryLogLevel: nil)
            try await w.raw("PRAGMA journal_mode = WAL").run()
            // Why NORMAL: in WAL mode it keeps the database consistent across a crash; only the last commits before
            // a power loss may be lost, never half of one (https://sqlite.org/pragma.html#pragma_synchronous).
            try await w.raw("PRAGMA synchronous = NORMAL").run()
        } catch {
            for c in conns { try? await c.close() }
            try? await threadPool.shutdownGracefully()
            throw error
        }
        return SQLiteBackend(writer: conns[0], readers: Array(conns.dropFirst()), threadPool: threadPool)
    }

    public func read<R: Sendable>(_ body: @Sendable (any SQLDatabase) async throws -> R) async throws -> R {
        let c = await readers.take()
        do {
            let r = try await body(c.sql(queryLogLevel: nil))
            await readers.give(c)
            return r
        } catch {
            await readers.give(c)
            throw error
        }
    }

    public func write<R: Sendable>(_ body: @escaping @Sendable (any SQLDatabase) async throws -> R) async throws -> R {
        try await groupCommit.submit(body)
    }

    public func shutdown() async {
        for c in all { try? await c.close() }
        try? await threadPool.shutdownGracefully()
    }
}
