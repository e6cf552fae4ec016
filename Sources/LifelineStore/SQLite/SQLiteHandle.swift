import LifelineSQLiteShim
import NIOCore
import SQLiteNIO

/// One `sqlite3` connection, used through the C API directly, with a cache of prepared statements.
///
/// Why not SQLiteNIO's connection: it prepares every statement anew (parsing was ~10 % of the server's CPU in the
/// benchmarks) and runs each one on a thread pool with two thread hops (~18 % kernel and futex time). Here a statement
/// is prepared once per connection and runs on the caller's thread: the statements Lifeline runs read and write a few
/// rows from the page cache and take microseconds, and a WAL commit with `synchronous = NORMAL` does not fsync.
/// Nothing here waits on a lock: the connections have no busy timeout, and a statement that finds the database
/// locked (by another process: the CLI) fails at once and is retried by ``SQLiteDirectDatabase`` after an
/// asynchronous sleep, so a lock wait never blocks a thread of the concurrency pool. (The one exception is the
/// checkpointer's connection, which runs on a thread of its own: ``setBusyTimeout(milliseconds:)``.)
///
/// `@unchecked Sendable`, and why that is safe: the handle and its statement cache are used by one task at a time —
/// the writer only by the group-commit queue's current batch (`GroupCommitWriter` runs one drain loop, one batch at a
/// time), a reader only by the task that leased it from the backend's pool. A task may move between threads between
/// two calls, which SQLite allows (it is built with `SQLITE_THREADSAFE=1`, and the connection is opened FULLMUTEX).
final class SQLiteHandle: @unchecked Sendable {
    private var raw: OpaquePointer?
    private var cache: [String: SQLiteCachedStatement] = [:]
    /// Prepared statements kept per connection; past this the cache is emptied (only ad-hoc SQL, e.g. migrations or
    /// long `IN` lists, makes new shapes: the store's queries are a few dozen).
    static let cacheLimit = 256

    /// The process-wide settings of SQLite, applied once before the first connection opens (Swift runs a static
    /// `let`'s initializer once, thread-safely): see `lifeline_sqlite_configure`.
    private static let configured: Int32 = lifeline_sqlite_configure()

    /// Opens (creating if needed) the database file at `path`.
    init(path: String) throws {
        _ = Self.configured
        var handle: OpaquePointer?
        let flags = SQLITE_OPEN_CREATE | SQLITE_OPEN_READWRITE | SQLITE_OPEN_FULLMUTEX | SQLITE_OPEN_EXRESCODE
        let rc = lifeline_sqlite3_open_v2(path, &handle, flags, nil)
        guard rc == SQLITE_OK, let handle else {
            let message = handle.flatMap { lifeline_sqlite3_errmsg($0) }.map { String(cString: $0) } ?? "cannot open"
            if let handle { lifeline_sqlite3_close_v2(handle) }
            throw SQLiteFailure(code: rc, message: "\(message) (\(path))", retryable: false)
        }
        // No busy handler: see the type's comment (lock waits are retried asynchronously).
        lifeline_sqlite3_busy_timeout(handle, 0)
        // Why the query planner stability guarantee: without it SQLite marks a statement whose plan could depend on a
        // bound value (constant folding, LIKE, partial indexes) for re-preparing at every new binding — for Lifeline's
        // queries, re-parsing them on every run (~14 % of the server's CPU in the validation benchmark).
        guard lifeline_sqlite_enable_qpsg(handle) == SQLITE_OK else {
            lifeline_sqlite3_close_v2(handle)
            throw SQLiteFailure(code: SQLITE_ERROR, message: "cannot configure the SQLite connection (\(path))", retryable: false)
        }
        raw = handle
    }

    /// Runs one statement with `binds`, calling `onRow` for each result row. Throws ``SQLiteFailure``; one whose
    /// `retryable` is set changed nothing and may be run again.
    func execute(_ sql: String, _ binds: [SQLiteData], _ onRow: (SQLiteColumns, [SQLiteData]) -> Void) throws {
        guard let raw else { throw SQLiteFailure(code: SQLITE_MISUSE, message: "the connection is closed", retryable: false) }
        guard var statement = try prepared(sql, on: raw) else { return }
        let stmt = statement.raw
        // Why reset at once: a statement left mid-way keeps its read snapshot open, which would hold back WAL
        // checkpoints and show this connection stale data next time.
        defer {
            lifeline_sqlite3_reset(stmt)
            lifeline_sqlite3_clear_bindings(stmt)
        }
        for (i, bind) in binds.enumerated() {
            let rc = Self.bind(bind, at: Int32(i + 1), to: stmt)
            guard rc == SQLITE_OK else { throw failure(rc, on: raw, rowsDelivered: 1) }
        }
        var delivered = 0
        var first = true
        while true {
            let rc = lifeline_sqlite3_step(stmt)
            if first {
                first = false
                // SQLite re-prepares a statement by itself when the schema changed (another process migrated); its
                // result columns may then differ (`SELECT *` after a new column), so the cached table is rebuilt.
                if lifeline_sqlite3_stmt_status(stmt, SQLITE_STMTSTATUS_REPREPARE, 0) != statement.reprepared {
                    statement = SQLiteCachedStatement(raw: stmt)
                    cache[sql] = statement
                }
            }
            if rc == SQLITE_ROW {
                delivered += 1
                onRow(statement.columns, (0..<statement.columns.names.count).map { Self.value(at: Int32($0), of: stmt) })
            } else if rc == SQLITE_DONE {
                return
            } else {
                throw failure(rc, on: raw, rowsDelivered: delivered)
            }
        }
    }

    /// How a checkpoint waits: ``passive`` takes no lock that others wait for; ``restart`` also waits (through the busy
    /// timeout) until no reader uses the log, so that the next write starts the log again from its beginning.
    enum CheckpointMode {
        case passive, restart
        var code: Int32 { self == .passive ? SQLITE_CHECKPOINT_PASSIVE : SQLITE_CHECKPOINT_RESTART }
    }

    /// Copies what the write-ahead log holds into the database file as far as readers allow (``CheckpointMode``);
    /// the frames in the log, or nil if it could not run (another connection was checkpointing, or a restart timed
    /// out waiting for a reader).
    @discardableResult
    func checkpoint(_ mode: CheckpointMode = .passive) -> Int? {
        guard let raw else { return nil }
        // A read first: a connection opens the write-ahead log only in a transaction, and checkpoints nothing before.
        guard (try? execute("SELECT 1 FROM sqlite_schema LIMIT 1", []) { _, _ in }) != nil else { return nil }
        var frames: Int32 = 0
        guard lifeline_sqlite3_wal_checkpoint_v2(raw, nil, mode.code, &frames, nil) == SQLITE_OK else { return nil }
        return Int(frames)
    }

    /// Lets this connection wait up to `milliseconds` for another connection's lock (in SQLite's busy handler, which
    /// blocks the calling thread). Only for a connection with a thread of its own: see the type's comment.
    func setBusyTimeout(milliseconds: Int32) {
        if let raw { lifeline_sqlite3_busy_timeout(raw, milliseconds) }
    }

    /// Finalizes every statement and closes the connection; later calls fail.
    func close() {
        for s in cache.values { lifeline_sqlite3_finalize(s.raw) }
        cache.removeAll()
        if let raw { lifeline_sqlite3_close_v2(raw) }
        raw = nil
    }

    deinit { close() }

    private func prepared(_ sql: String, on db: OpaquePointer) throws -> SQLiteCachedStatement? {
        if let s = cache[sql] { return s }
        if cache.count >= Self.cacheLimit {
            for s in cache.values { lifeline_sqlite3_finalize(s.raw) }
            cache.removeAll(keepingCapacity: true)
        }
        var stmt: OpaquePointer?
        var trailing = false
        let rc = sql.withCString { text -> Int32 in
            var tail: UnsafePointer<CChar>?
            let rc = lifeline_sqlite3_prepare_v3(db, text, -1, UInt32(SQLITE_PREPARE_PERSISTENT), &stmt, &tail)
            // Why refuse a second statement: SQLite would silently ignore it, so a change could be half applied.
            if let tail { trailing = String(cString: tail).contains { !$0.isWhitespace && $0 != ";" } }
            return rc
        }
        guard rc == SQLITE_OK else { throw failure(rc, on: db, rowsDelivered: 0) }
        guard let stmt else { return nil }    // only whitespace or comments
        if trailing {
            lifeline_sqlite3_finalize(stmt)
            throw SQLiteFailure(code: SQLITE_MISUSE, message: "more than one statement in one query", retryable: false)
        }
        let statement = SQLiteCachedStatement(raw: stmt)
        cache[sql] = statement
        return statement
    }

    private func failure(_ rc: Int32, on db: OpaquePointer, rowsDelivered: Int) -> SQLiteFailure {
        // Retryable only if nothing happened: the database was locked (by another process), no row was handed out, and
        // no transaction is open (so it was this statement's own, and SQLite rolled it back; a BEGIN that failed).
        let busy = rc & 0xff == SQLITE_BUSY || rc & 0xff == SQLITE_LOCKED
        let retryable = busy && rowsDelivered == 0 && lifeline_sqlite3_get_autocommit(db) != 0
        return SQLiteFailure(code: rc, message: String(cString: lifeline_sqlite3_errmsg(db)), retryable: retryable)
    }

    private static func bind(_ value: SQLiteData, at i: Int32, to stmt: OpaquePointer) -> Int32 {
        switch value {
        case .integer(let v): return lifeline_sqlite3_bind_int64(stmt, i, Int64(v))
        case .float(let v): return lifeline_sqlite3_bind_double(stmt, i, v)
        case .null: return lifeline_sqlite3_bind_null(stmt, i)
        case .text(let v):
            var v = v
            return v.withUTF8 { utf8 in
                guard let base = utf8.baseAddress, !utf8.isEmpty else { return lifeline_sqlite3_bind_text(stmt, i, "", 0) }
                return base.withMemoryRebound(to: CChar.self, capacity: utf8.count) {
                    lifeline_sqlite3_bind_text(stmt, i, $0, UInt64(utf8.count))
                }
            }
        case .blob(let v):
            return v.withUnsafeReadableBytes { lifeline_sqlite3_bind_blob(stmt, i, $0.baseAddress, UInt64($0.count)) }
        }
    }

    private static func value(at i: Int32, of stmt: OpaquePointer) -> SQLiteData {
        switch lifeline_sqlite3_column_type(stmt, i) {
        case SQLITE_INTEGER: return .integer(Int(lifeline_sqlite3_column_int64(stmt, i)))
        case SQLITE_FLOAT: return .float(lifeline_sqlite3_column_double(stmt, i))
        case SQLITE_TEXT:
            // Text first, then its length (the order SQLite documents); decoded by length, so a NUL is kept.
            let text = lifeline_sqlite3_column_text(stmt, i)
            let count = Int(lifeline_sqlite3_column_bytes(stmt, i))
            guard let text else { return .text("") }
            return .text(String(decoding: UnsafeRawBufferPointer(start: text, count: count), as: UTF8.self))
        case SQLITE_BLOB:
            let bytes = lifeline_sqlite3_column_blob(stmt, i)
            let count = Int(lifeline_sqlite3_column_bytes(stmt, i))
            var buffer = ByteBufferAllocator().buffer(capacity: count)
            if let bytes { buffer.writeBytes(UnsafeRawBufferPointer(start: bytes, count: count)) }
            return .blob(buffer)
        default: return .null
        }
    }
}

/// A prepared statement and its result columns, as of its last (re-)preparation.
struct SQLiteCachedStatement {
    let raw: OpaquePointer
    let columns: SQLiteColumns
    /// How often SQLite had re-prepared the statement when `columns` was read.
    let reprepared: Int32

    init(raw: OpaquePointer) {
        self.raw = raw
        columns = SQLiteColumns(statement: raw)
        reprepared = lifeline_sqlite3_stmt_status(raw, SQLITE_STMTSTATUS_REPREPARE, 0)
    }
}

/// The result columns of a statement, with a name → index table built once per prepared statement (not per row).
final class SQLiteColumns: Sendable {
    let names: [String]
    let index: [String: Int]

    init(statement: OpaquePointer) {
        let n = Int(lifeline_sqlite3_column_count(statement))
        names = (0..<n).map { lifeline_sqlite3_column_name(statement, Int32($0)).map { String(cString: $0) } ?? "" }
        // The first column of a name wins, as in SQLiteNIO.
        index = Dictionary(names.enumerated().map { ($1, $0) }, uniquingKeysWith: { first, _ in first })
    }
}

/// An error SQLite returned.
public struct SQLiteFailure: Error, CustomStringConvertible, Sendable {
    /// SQLite's (extended) result code.
    public let code: Int32
    public let message: String
    /// Nothing happened and the statement may be run again (the database was locked by another connection).
    let retryable: Bool

    public var description: String { "SQLite error \(code): \(message)" }
}

// SQLite's result codes and flags that this file uses, as sqlite3.h defines them (this module cannot import that
// header: see LifelineSQLiteShim.h). LifelineSQLiteShim.c checks each value against the header at build time.
private let SQLITE_OK: Int32 = 0
private let SQLITE_ERROR: Int32 = 1
private let SQLITE_BUSY: Int32 = 5
private let SQLITE_LOCKED: Int32 = 6
private let SQLITE_MISUSE: Int32 = 21
private let SQLITE_ROW: Int32 = 100
private let SQLITE_DONE: Int32 = 101
private let SQLITE_INTEGER: Int32 = 1
private let SQLITE_FLOAT: Int32 = 2
private let SQLITE_TEXT: Int32 = 3
private let SQLITE_BLOB: Int32 = 4
private let SQLITE_OPEN_READWRITE: Int32 = 0x2
private let SQLITE_OPEN_CREATE: Int32 = 0x4
private let SQLITE_OPEN_FULLMUTEX: Int32 = 0x10000
private let SQLITE_OPEN_EXRESCODE: Int32 = 0x0200_0000
private let SQLITE_CHECKPOINT_PASSIVE: Int32 = 0
private let SQLITE_CHECKPOINT_RESTART: Int32 = 2
private let SQLITE_STMTSTATUS_REPREPARE: Int32 = 5
private let SQLITE_PREPARE_PERSISTENT: Int32 = 0x01
