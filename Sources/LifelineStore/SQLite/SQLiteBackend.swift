import Foundation
import Logging
import ServiceLifecycle
import SQLKit
import Synchronization

/// SQLite in WAL mode: one writer connection behind an in-process group-commit queue (`GroupCommitWriter`),
/// and reader connections made as needed, each an ``SQLiteHandle`` with its own prepared statements.
///
/// Why one writer: SQLite allows one writer at a time anyway; queueing in process avoids lock waits and lock-upgrade
/// deadlocks. Other processes on the same file (the CLI) are waited for by retrying (``SQLiteDirectDatabase``).
public final class SQLiteBackend: SQLBackend {
    public let kind = SQLKind.sqlite
    private let groupCommit: GroupCommitWriter
    private let writer: SQLiteDirectDatabase
    private let readers: ResourcePool<SQLiteDirectDatabase>
    private let checkpointer: SQLiteCheckpointer
    private let closed = Atomic<Bool>(false)

    private init(writer: SQLiteDirectDatabase, readers: ResourcePool<SQLiteDirectDatabase>, checkpointer: SQLiteCheckpointer) {
        self.groupCommit = GroupCommitWriter(db: writer, begin: "BEGIN IMMEDIATE")
        self.writer = writer
        self.readers = readers
        self.checkpointer = checkpointer
    }

    /// Readers at most by default: statements run on the caller's thread without suspending, so no more reads run at
    /// once than the concurrency pool has threads (one per core); one more covers a read that waits for another
    /// process's lock.
    public static var defaultReaders: Int { max(3, ProcessInfo.processInfo.activeProcessorCount + 1) }

    /// Opens (creating if needed) the database file at `path`, with one reader connection and up to `readers`.
    /// `checkpointInterval` and `walRestartFrames` are the ``SQLiteCheckpointer``'s (tests make them small).
    public static func open(path: String, readers: Int = defaultReaders, checkpointInterval: Duration = .milliseconds(500),
                            walRestartFrames: Int = SQLiteCheckpointer.defaultRestartFrames, logger: Logger) async throws -> SQLiteBackend {
        let writer = try connect(path: path, logger: logger)
        do {
            // Through the retrying path: switching to WAL takes the database's lock, which another process may hold.
            try await writer.raw("PRAGMA journal_mode = WAL").run()
            // Why NORMAL: in WAL mode it keeps the database consistent across a crash; only the last commits before
            // a power loss may be lost, never half of one (https://sqlite.org/pragma.html#pragma_synchronous).
            try await writer.raw("PRAGMA synchronous = NORMAL").run()
            // Checkpoints are the checkpointer's (see SQLiteCheckpointer).
            try await writer.raw("PRAGMA wal_autocheckpoint = 0").run()
            let first = try connect(path: path, logger: logger)
            // Why readers on demand: each is three open files, and most stores (a CLI command, a test) need one.
            let pool = ResourcePool([first], limit: readers) { try? connect(path: path, logger: logger) }
            return SQLiteBackend(writer: writer, readers: pool, checkpointer: try SQLiteCheckpointer(path: path, interval: checkpointInterval,
                                                                                               restartFrames: walRestartFrames))
        } catch {
            writer.handle.close()
            throw error
        }
    }

    /// One configured connection.
    private static func connect(path: String, logger: Logger) throws -> SQLiteDirectDatabase {
        let handle = try SQLiteHandle(path: path)
        do {
            // Settings of the connection only: they take no lock.
            try handle.execute("PRAGMA foreign_keys = ON", []) { _, _ in }
            // Why in memory: a statement inside a multi-statement transaction keeps a statement journal (to undo just
            // itself on an error); in a temp file that is a file write for every such statement.
            try handle.execute("PRAGMA temp_store = MEMORY", []) { _, _ in }
            // Why: deleted rows (revoked seeds, old answer hashes, sealed messages) are overwritten with zeros instead
            // of lingering in free pages. The SQLite that sqlite-nio vendors and Debian's are both built with it on;
            // set here so that it does not depend on how the system's SQLite was built.
            try handle.execute("PRAGMA secure_delete = ON", []) { _, _ in }
        } catch {
            handle.close()
            throw error
        }
        return SQLiteDirectDatabase(handle: handle, logger: logger)
    }

    public func read<R: Sendable>(_ body: @Sendable (any SQLDatabase) async throws -> R) async throws -> R {
        try await readers.with { try await body($0) }
    }

    public func write<R: Sendable>(_ body: @escaping @Sendable (any SQLDatabase) async throws -> R) async throws -> R {
        try await groupCommit.submit(body)
    }

    /// Keeps the connections open until graceful shutdown or cancellation, then closes them (``shutdown()``).
    public func run() async {
        try? await gracefulShutdown()
        await shutdown()
    }

    /// At once: the file was opened by ``open(path:readers:checkpointInterval:walRestartFrames:logger:)``.
    public func waitUntilReachable() async throws {}

    /// Closes every connection (after waiting for running reads); later calls do nothing.
    public func shutdown() async {
        // Once only: a second call would wait forever for readers the first one took.
        guard !closed.exchange(true, ordering: .acquiringAndReleasing) else { return }
        // Closing while a statement runs would pull the handle from under it: wait for the readers to come back.
        let all = await readers.takeAll()
        checkpointer.stop()
        for r in all { r.handle.close() }
        writer.handle.close()
    }
}
