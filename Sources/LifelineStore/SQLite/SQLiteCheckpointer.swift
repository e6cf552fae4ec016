import Dispatch

/// Checkpoints the write-ahead log on a thread of its own, on its own connection, twice a second.
///
/// Why not SQLite's automatic checkpoint: it runs inside the COMMIT that crosses 1,000 WAL pages, on the committing
/// connection — here a thread of the concurrency pool, where its writes and fsync of the database file would stall
/// every request behind that commit. A passive checkpoint takes no lock that writers or readers wait for.
final class SQLiteCheckpointer: @unchecked Sendable {
    // Why @unchecked Sendable is safe: `handle` and `timer` are used only on `queue` (a serial queue) after init,
    // and `stop()` hops onto it.
    private let queue = DispatchQueue(label: "lifeline.sqlite.checkpoint")
    private let handle: SQLiteHandle
    private let timer: DispatchSourceTimer

    init(path: String, interval: DispatchTimeInterval = .milliseconds(500)) throws {
        handle = try SQLiteHandle(path: path)
        timer = DispatchSource.makeTimerSource(queue: queue)
        timer.schedule(deadline: .now() + interval, repeating: interval)
        timer.setEventHandler { [handle] in handle.checkpoint() }
        timer.resume()
    }

    /// Stops the timer (waiting for a running checkpoint) and closes the connection.
    func stop() {
        queue.sync {
            timer.cancel()
            handle.close()
        }
    }
}
