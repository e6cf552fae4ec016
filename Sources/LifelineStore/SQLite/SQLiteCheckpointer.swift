import Dispatch

/// Checkpoints the write-ahead log on a thread of its own, on its own connection, twice a second, and keeps the log
/// from growing without bound under steady load.
///
/// Why not SQLite's automatic checkpoint: it runs inside the COMMIT that crosses 1,000 WAL pages, on the committing
/// connection — here a thread of the concurrency pool, where its writes and fsync of the database file would stall
/// every request behind that commit. A passive checkpoint takes no lock that writers or readers wait for.
///
/// Why a restart past `restartFrames`: a passive checkpoint copies frames but never rewinds the log. SQLite rewinds it
/// only when a write begins after every frame was copied and no reader still reads from the log — which under
/// steady reads and writes almost never happens (checkpoint starvation, https://sqlite.org/wal.html#avoiding_excessively_large_wal_files).
/// The log file then grew by every page ever written (427 MB after a minute of the validation benchmark), and with it
/// the WAL index every read searches. A restart checkpoint waits (here, on this thread only) for the readers of the log
/// to finish — they take microseconds — and holds back new writers meanwhile, which retry asynchronously; the next
/// write then starts the log from its beginning, so the file stays near `restartFrames` pages.
public final class SQLiteCheckpointer: @unchecked Sendable {
    // Why @unchecked Sendable is safe: `handle` and `timer` are used only on `queue` (a serial queue) after init,
    // and `stop()` hops onto it.
    private let queue = DispatchQueue(label: "lifeline.sqlite.checkpoint")
    private let handle: SQLiteHandle
    private let timer: DispatchSourceTimer

    /// Frames in the log (about 4 KiB each) past which a passive checkpoint is followed by a restart: 16 MiB.
    public static let defaultRestartFrames = 4096

    init(path: String, interval: Duration = .milliseconds(500), restartFrames: Int = defaultRestartFrames) throws {
        handle = try SQLiteHandle(path: path)
        // The restart's wait for readers blocks this connection's own thread (the queue), never the concurrency pool.
        handle.setBusyTimeout(milliseconds: 100)
        timer = DispatchSource.makeTimerSource(queue: queue)
        let every = DispatchTimeInterval.milliseconds(max(1, Int(interval / .milliseconds(1))))
        timer.schedule(deadline: .now() + every, repeating: every)
        timer.setEventHandler { [handle] in
            // Passive first, so that the restart, during which writers wait, has little or nothing left to copy.
            guard let frames = handle.checkpoint(.passive), frames >= restartFrames else { return }
            handle.checkpoint(.restart)
        }
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
