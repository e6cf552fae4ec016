import Foundation
import LifelineCore
@testable import LifelineStore
import NIOCore
import SQLiteNIO
import SQLKit
import Synchronization
import Testing

/// The SQLite adapter under the store (`SQLiteHandle`, `SQLiteDirectDatabase`, `SQLiteCheckpointer`): values, its
/// prepared-statement cache, lock waits on another connection, and the background checkpoint.
@Suite("SQLite connection")
struct SQLiteHandleTests {
    /// A fresh SQLite file in a temp folder of its own, removed afterwards.
    func withFile(_ body: (String) async throws -> Void) async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("lifeline-sqlite-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        try await body(folder + "/test.sqlite")
    }

    /// A backend on a fresh file (``withFile(_:)``), shut down (and waited for) afterwards, also when `body` throws.
    func withBackend(readers: Int = SQLiteBackend.defaultReaders, checkpointInterval: Duration = .milliseconds(500),
                     walRestartFrames: Int = SQLiteCheckpointer.defaultRestartFrames,
                     _ body: (SQLiteBackend, String) async throws -> Void) async throws {
        try await withFile { path in
            let backend = try await SQLiteBackend.open(path: path, readers: readers, checkpointInterval: checkpointInterval,
                                                       walRestartFrames: walRestartFrames, logger: quietLogger)
            do { try await body(backend, path) } catch {
                await backend.shutdown()
                throw error
            }
            await backend.shutdown()
        }
    }

    @Test("a deleted row's text is overwritten in the database file, not left in its free space (secure_delete on every connection)")
    func deletedRowsAreOverwritten() async throws {
        let marker = "deleted-secret-" + UUID().uuidString
        try await withBackend { backend, path in
            try await backend.write { try await $0.raw("CREATE TABLE t (id BIGINT, v TEXT)").run() }
            try await backend.write { db in
                for i in 0..<20 { try await db.raw("INSERT INTO t (id, v) VALUES (\(bind: Int64(i)), \(bind: marker + "-\(i)"))").run() }
            }
            try await backend.write { try await $0.raw("DELETE FROM t WHERE id < 19").run() }
            for column in try await backend.read({ try await $0.raw("PRAGMA secure_delete").all() }) {
                #expect(try column.decode(column: "secure_delete", as: Int64.self) == 1)
            }
            await backend.shutdown()
            // Closed: the log was copied into the file and removed; only the row not deleted is still there.
            let bytes = try Data(contentsOf: URL(fileURLWithPath: path))
            #expect(bytes.range(of: Data((marker + "-19").utf8)) != nil, "sanity: the kept row is in the file")
            #expect(bytes.range(of: Data((marker + "-3").utf8)) == nil, "a deleted row's text is still in the file")
        }
    }

    @Test("values come back as they were bound: text with a NUL, empty text, non-ASCII, 64-bit integers, doubles, blobs, NULL")
    func valuesRoundTrip() async throws {
        try await withBackend { backend, _ in
            let blob = ByteBuffer(bytes: [0, 1, 2, 255])
            let row = try await backend.read { db in
                try await db.raw("""
                    SELECT \(bind: "a\u{0}b") AS nul, \(bind: "") AS empty, \(bind: "Příliš žluťoučký 🐎") AS text,
                      \(bind: Int64.max) AS big, \(bind: Int64.min) AS small, \(bind: 2.5) AS real, \(bind: Data([0, 1, 2, 255])) AS blob,
                      NULL AS absent
                    """).first()
            }
            let r = try #require(row)
            #expect(try r.decode(column: "nul", as: String.self) == "a\u{0}b")
            #expect(try r.decode(column: "empty", as: String.self) == "")
            #expect(try r.decode(column: "text", as: String.self) == "Příliš žluťoučký 🐎")
            #expect(try r.decode(column: "big", as: Int64.self) == Int64.max)
            #expect(try r.decode(column: "small", as: Int64.self) == Int64.min)
            #expect(try r.decode(column: "real", as: Double.self) == 2.5)
            #expect(try r.decode(column: "blob", as: ByteBuffer.self) == blob)
            #expect(try r.decodeNil(column: "absent"))
            #expect(try r.decode(column: "absent", as: String?.self) == nil)
            #expect(r.allColumns == ["nul", "empty", "text", "big", "small", "real", "blob", "absent"])
            #expect(throws: (any Error).self) { try r.decode(column: "missing", as: String.self) }
        }
    }

    @Test("one cached statement serves many runs with other values, and reading half a result leaves no snapshot open")
    func cachedStatementsRerun() async throws {
        try await withBackend { backend, _ in
            try await backend.write { db in try await db.raw("CREATE TABLE t (n BIGINT PRIMARY KEY, s TEXT NOT NULL)").run() }
            for n in 0..<50 {
                try await backend.write { db in try await db.raw("INSERT INTO t (n, s) VALUES (\(bind: Int64(n)), \(bind: "v\(n)"))").run() }
            }
            for n in [0, 49, 17, 17, 3] {
                let s = try await backend.read { db in
                    try await db.raw("SELECT s FROM t WHERE n = \(bind: Int64(n))").first()?.decode(column: "s", as: String.self)
                }
                #expect(s == "v\(n)")
            }
            // `first()` of a many-row query, then a write and a read of the new row on the same readers.
            _ = try await backend.read { db in try await db.raw("SELECT n FROM t ORDER BY n").first() }
            try await backend.write { db in try await db.raw("INSERT INTO t (n, s) VALUES (100, 'new')").run() }
            let count = try await backend.read { db in try await db.raw("SELECT COUNT(*) AS c FROM t").first()?.decode(column: "c", as: Int64.self) }
            #expect(count == 51)
        }
    }

    @Test("a query of two statements is refused and runs neither")
    func twoStatementsRefused() async throws {
        try await withBackend { backend, _ in
            try await backend.write { db in try await db.raw("CREATE TABLE t (n BIGINT)").run() }
            await #expect(throws: SQLiteFailure.self) {
                try await backend.write { db in try await db.raw("INSERT INTO t (n) VALUES (1); INSERT INTO t (n) VALUES (2)").run() }
            }
            let count = try await backend.read { db in try await db.raw("SELECT COUNT(*) AS c FROM t").first()?.decode(column: "c", as: Int64.self) }
            #expect(count == 0)
            // A trailing semicolon is one statement.
            try await backend.write { db in try await db.raw("INSERT INTO t (n) VALUES (3);").run() }
        }
    }

    @Test("a cached SELECT * sees a column another connection added (SQLite re-prepares it; the column table follows)")
    func schemaChangeUnderCachedStatement() async throws {
        try await withBackend(readers: 1) { backend, path in
            try await backend.write { db in try await db.raw("CREATE TABLE t (a BIGINT)").run() }
            try await backend.write { db in try await db.raw("INSERT INTO t (a) VALUES (1)").run() }
            let before = try await backend.read { db in try await db.raw("SELECT * FROM t").first()?.allColumns }
            #expect(before == ["a"])
            let other = try await SQLiteBackend.open(path: path, logger: quietLogger)
            try await other.write { db in try await db.raw("ALTER TABLE t ADD COLUMN b TEXT NOT NULL DEFAULT 'x'").run() }
            await other.shutdown()
            let after = try await backend.read { db in try await db.raw("SELECT * FROM t").first() }
            #expect(after?.allColumns == ["a", "b"])
            #expect(try after?.decode(column: "b", as: String.self) == "x")
        }
    }

    @Test("a write waits for another connection's lock without blocking a thread: reads go on meanwhile, and it commits after")
    func lockWaitIsAsynchronous() async throws {
        try await withBackend { backend, path in
            let second = try await SQLiteBackend.open(path: path, logger: quietLogger)
            try await backend.write { db in try await db.raw("CREATE TABLE t (n BIGINT)").run() }
            // Another process's lock: a raw connection holding the write lock.
            let holder = try SQLiteHandle(path: path)
            try holder.execute("BEGIN IMMEDIATE", []) { _, _ in }
            // As many waiting writers as there are cores (two stores: two writer queues), so a blocking wait would
            // take every thread of the concurrency pool.
            async let first: Void = backend.write { db in try await db.raw("INSERT INTO t (n) VALUES (1)").run() }
            async let other: Void = second.write { db in try await db.raw("INSERT INTO t (n) VALUES (2)").run() }
            try await Task.sleep(for: .milliseconds(300))
            for _ in 0..<20 {
                let n = try await backend.read { db in try await db.raw("SELECT COUNT(*) AS c FROM t").first()?.decode(column: "c", as: Int64.self) }
                #expect(n == 0)
            }
            // Had the waits blocked the pool's threads, the reads above would wait for the lock, which is released only
            // below: the writes would then run into their 10 s lock timeout and fail.
            try holder.execute("COMMIT", []) { _, _ in }
            try await first
            try await other
            let n = try await backend.read { db in try await db.raw("SELECT COUNT(*) AS c FROM t").first()?.decode(column: "c", as: Int64.self) }
            #expect(n == 2)
            holder.close()
            await second.shutdown()
        }
    }

    @Test("a lock held past the timeout fails the statement with SQLITE_BUSY, and the lock's holder is unaffected")
    func lockTimeout() async throws {
        try await withFile { path in
            let db = SQLiteDirectDatabase(handle: try SQLiteHandle(path: path), logger: quietLogger, lockTimeout: .milliseconds(200))
            try await db.raw("PRAGMA journal_mode = WAL").run()
            try await db.raw("CREATE TABLE t (n BIGINT)").run()
            let holder = try SQLiteHandle(path: path)
            try holder.execute("BEGIN IMMEDIATE", []) { _, _ in }
            try holder.execute("INSERT INTO t (n) VALUES (7)", []) { _, _ in }
            await #expect {
                try await db.raw("BEGIN IMMEDIATE").run()
            } throws: { error in
                ((error as? SQLiteFailure)?.code ?? 0) & 0xff == 5    // SQLITE_BUSY
            }
            try holder.execute("COMMIT", []) { _, _ in }
            let n = try await db.raw("SELECT COUNT(*) AS c FROM t").first()?.decode(column: "c", as: Int64.self)
            #expect(n == 1)
            holder.close()
            db.handle.close()
        }
    }

    @Test("the checkpointer copies committed rows from the write-ahead log into the database file while the store is open")
    func checkpointerWritesTheDatabaseFile() async throws {
        try await withBackend { backend, path in
            let marker = "checkpoint-marker-\(UUID().uuidString)"
            try await backend.write { db in try await db.raw("CREATE TABLE t (s TEXT)").run() }
            try await backend.write { db in try await db.raw("INSERT INTO t (s) VALUES (\(bind: marker))").run() }
            // Automatic checkpoints are off, so only the checkpointer (every 500 ms) can put the row into the file.
            var inFile = false
            for _ in 0..<100 where !inFile {
                try await Task.sleep(for: .milliseconds(100))
                let bytes = try Data(contentsOf: URL(fileURLWithPath: path))
                inFile = bytes.range(of: Data(marker.utf8)) != nil
            }
            #expect(inFile)
        }
    }

    @Test("under steady reads and writes the write-ahead log is restarted past its limit, so its file stays small")
    func walStaysBounded() async throws {
        // 64 frames (256 KiB) as the limit and a checkpoint every 20 ms; the load writes ~24 MiB of pages meanwhile.
        try await withBackend(checkpointInterval: .milliseconds(20), walRestartFrames: 64) { backend, path in
            try await backend.write { db in try await db.raw("CREATE TABLE t (id INTEGER PRIMARY KEY, b BLOB)").run() }
            let payload = Data((0..<3000).map { UInt8(truncatingIfNeeded: $0 &* 31) })
            let writes = 6000
            let state = LoadState()
            try await withThrowingTaskGroup(of: Void.self) { group in
                // Readers that never pause: with them a passive checkpoint alone never lets the log start again.
                for _ in 0..<3 {
                    group.addTask {
                        while !state.stop.withLock({ $0 }) {
                            _ = try await backend.read { db in try await db.raw("SELECT max(id) AS m FROM t").first() }
                            // A read never suspends: without a yield these tasks would hold every thread of the pool.
                            await Task.yield()
                        }
                    }
                }
                group.addTask {
                    defer { state.stop.withLock { $0 = true } }
                    for i in 0..<writes {
                        try await backend.write { db in try await db.raw("INSERT INTO t (id, b) VALUES (\(bind: Int64(i)), \(bind: payload))").run() }
                        if i % 200 == 0 {
                            let size = (try? FileManager.default.attributesOfItem(atPath: path + "-wal"))?[.size] as? Int ?? 0
                            state.maxWAL.withLock { $0 = max($0, size) }
                        }
                    }
                }
                try await group.waitForAll()
            }
            let written = writes * 4096   // each insert dirties at least one 4 KiB page
            let largest = state.maxWAL.withLock { $0 }
            // Bounded: a fraction of what was written (without restarts the file holds every frame: >= 24 MiB).
            #expect(largest < written / 4, "WAL file reached \(largest) bytes after \(written) bytes of pages were written")
            let rows = try await backend.read { db in try await db.raw("SELECT count(*) AS n FROM t").first() }
            #expect(try rows?.decode(column: "n", as: Int64.self) == Int64(writes))
        }
    }
}

/// Shared state of the WAL test's tasks.
private final class LoadState: Sendable {
    let stop = Mutex(false)
    let maxWAL = Mutex(0)
}
