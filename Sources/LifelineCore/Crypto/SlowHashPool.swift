import Dispatch
import Foundation
import Synchronization

/// A fixed set of threads for slow hashing (scrypt), with a bounded queue.
///
/// Why: each security-answer submission runs up to one scrypt of 16 MiB per question, decoys included, and anyone can
/// submit answers. On Dispatch's global queue that work got as many threads as Dispatch would make, so a burst of
/// submissions took every core and hundreds of MiB. Here at most `threads` hashes run at once (16 MiB each), at most
/// `maxQueued` jobs wait, and an anonymous job beyond that is refused at once with `unavailable` (HTTP 503 with Retry-After)
/// instead of piling up: the worst case is `threads` cores and `threads × 16 MiB`, whatever arrives.
public final class SlowHashPool: Sendable {
    /// The threads that hash.
    public let threads: Int
    /// The most jobs that may wait for a thread.
    public let maxQueued: Int

    private struct State {
        var queue: [@Sendable () -> Void] = []
        var head = 0
        var running = 0
        var busiest = 0
        var refused = 0
    }
    private let state = Mutex(State())
    private let ready = DispatchSemaphore(value: 0)

    /// Starts `threads` worker threads (at least 1) that live as long as the process.
    public init(threads: Int, maxQueued: Int) {
        self.threads = max(1, threads)
        self.maxQueued = max(0, maxQueued)
        for i in 0..<self.threads {
            let thread = Thread { [self] in self.work() }
            thread.name = "lifeline-slowhash-\(i)"
            thread.start()
        }
    }

    /// The pool ``SlowHash/offloaded(pool:_:)`` uses unless told otherwise: by default half the cores (at least one),
    /// so slow hashing can never take the whole machine, and 128 waiting jobs per thread (about 5 s of
    /// work at 40 ms a hash; a waiting job holds a closure, not the 16 MiB of a running hash); the composition root sets the
    /// configured size with ``configureShared(threads:maxQueued:)`` before serving.
    public static var shared: SlowHashPool {
        sharedPool.withLock { pool in
            if let pool { return pool }
            let made = SlowHashPool(threads: defaultThreads, maxQueued: defaultThreads * 128)
            pool = made
            return made
        }
    }

    /// Half the cores, at least one.
    public static var defaultThreads: Int { max(1, ProcessInfo.processInfo.activeProcessorCount / 2) }

    /// Makes ``shared`` a pool of `threads` with `maxQueued` waiting jobs (default 128 per thread). A pool of the same
    /// size is kept as it is (its threads live as long as the process, so each new pool costs threads).
    public static func configureShared(threads: Int, maxQueued: Int? = nil) {
        let threads = max(1, threads), queued = max(0, maxQueued ?? threads * 128)
        sharedPool.withLock { pool in
            if let pool, pool.threads == threads, pool.maxQueued == queued { return }
            pool = SlowHashPool(threads: threads, maxQueued: queued)
        }
    }

    private static let sharedPool = Mutex<SlowHashPool?>(nil)

    /// Runs `work` on one of the pool's threads. A `refusable` job (anonymous work: the questions step) throws
    /// `unavailable` (retry after a few seconds) at once when `maxQueued` jobs are already waiting; other jobs
    /// (an administrator setting answers, a verified user's new password) always wait their turn, still never more
    /// than `threads` at once.
    public func run<T: Sendable>(refusable: Bool = false, _ work: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<T, any Error>) in
            let job: @Sendable () -> Void = { continuation.resume(with: Result { try work() }) }
            let accepted = state.withLock { s -> Bool in
                guard !refusable || s.queue.count - s.head < maxQueued + max(0, threads - s.running) else { s.refused += 1; return false }
                s.queue.append(job)
                return true
            }
            if accepted {
                ready.signal()
            } else {
                continuation.resume(throwing: LifelineError(.unavailable, "the server is busy checking answers; try again in a few seconds",
                                                            retryAfter: 5))
            }
        }
    }

    /// The most jobs that ran at once since the pool started, how many were refused, and how many wait now (tests).
    public var statistics: (busiest: Int, refused: Int, waiting: Int) { state.withLock { ($0.busiest, $0.refused, $0.queue.count - $0.head) } }

    private func work() {
        while true {
            ready.wait()
            let job = state.withLock { s -> (@Sendable () -> Void)? in
                guard s.head < s.queue.count else { return nil }
                let j = s.queue[s.head]
                s.head += 1
                // Compact now and then so the array does not grow without bound.
                if s.head > 64, s.head * 2 > s.queue.count { s.queue.removeFirst(s.head); s.head = 0 }
                s.running += 1
                s.busiest = max(s.busiest, s.running)
                return j
            }
            guard let job else { continue }
            job()
            state.withLock { $0.running -= 1 }
        }
    }
}
