import Foundation
import Logging
import SQLKit
import Synchronization

/// SQLite in WAL mode: one writer connection behind an in-process group-commit queue (`GroupCommitWriter`),
/// and a few reader connections, each an ``SQLiteHandle`` with its own prepared statements.
///
/// Why one writer: SQLite allows one writer at a time anyway; queueing in process avoids lock waits and lock-upgrade
/// deadlocks. Other processes on the same file (the CLI) are waited for by retrying (``SQLiteDirectDatabase``).
public final class SQLiteBackend: SQLBackend {
    public let kind = SQLKind.sqlite
    private let groupCommit: GroupCommitWriter
    private let readers: ResourcePool<SQLiteDirectDatabase>
    private let all: [SQLiteHandle]
    private let checkpointer: SQLiteCheckpointer
    private let closed = Atomic<Bool>(false)

    private init(writer: SQLiteDirectDatabase, readers: [SQLiteDirectDatabase], checkpointer: SQLiteCheckpointer) {
        self.groupCommit = GroupCommitWriter(db: writer, begin: "BEGIN IMMEDIATE")
        self.readers = ResourcePool(readers)
        self.all = ([writer] + readers).map(\.handle)
        self.checkpointer = checkpointer
    }

    /// Readers by default: statements run on the caller's thread without suspending, so no more reads run at once than
    /// the concurrency pool has threads (one per core); one more covers a read that waits for another process's lock.
    public static var defaultReaders: Int { max(3, ProcessInfo.processInfo.activeProcessorCount + 1) }

    /// Opens (creating if needed) the database file at `path`.
    public static func open(path: String, readers: Int = defaultReaders, logger: Logger) async throws -> SQLiteBackend {
        var conns: [SQLiteDirectDatabase] = []
        do {
            for _ in 0..<(readers + 1) {
                let db = SQLiteDirectDatabase(handle: try SQLiteHandle(path: path), logger: logger)
                conns.append(db)
                try await db.raw("PRAGMA foreign_keys = ON").run()
                // Why in memory: a statement inside a multi-statement transaction keeps a statement journal (to undo
                // just itself on an error); in a temp file that is a file write for every such statement.
                try await db.raw("PRAGMA temp_store = MEMORY").run()
            }
            let w = conns[0]
            try await w.raw("PRAGMA journal_mode = WAL").run()
            // Why NORMAL: in WAL mode it keeps the database consistent across a crash; only the last commits before
            // a power loss may be lost, never half of one (https://sqlite.org/pragma.html#pragma_synchronous).
            try await w.raw("PRAGMA synchronous = NORMAL").run()
            // Checkpoints are the checkpointer's (see SQLiteCheckpointer).
            try await w.raw("PRAGMA wal_autocheckpoint = 0").run()
            return SQLiteBackend(writer: conns[0], readers: Array(conns.dropFirst()), checkpointer: try SQLiteCheckpointer(path: path))
        } catch {
            for c in conns { c.handle.close() }
            throw error
        }
    }

    public func read<R: Sendable>(_ body: @Sendable (any SQLDatabase) async throws -> R) async throws -> R {
        try await readers.with { try await body($0) }
    }

    public func write<R: Sendable>(_ body: @escaping @Sendable (any SQLDatabase) async throws -> R) async throws -> R {
        try await groupCommit.submit(body)
    }

    public func shutdown() async {
        // Once only: a second call would wait forever for readers the first one took.
        guard !closed.exchange(true, ordering: .acquiringAndReleasing) else { return }
        // Closing while a statement runs would pull the handle from under it: wait for the readers to come back.
        for _ in 0..<(all.count - 1) { _ = await readers.take() }
        checkpointer.stop()
        for h in all { h.close() }
    }
}
