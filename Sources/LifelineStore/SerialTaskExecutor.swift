import Dispatch

/// A task executor on a serial dispatch queue of its own: the group-commit writer's batches run there, so that the
/// writer's many small steps (each statement, through SQLKit, is an `await`) never wait behind HTTP work in the
/// concurrency pool.
///
/// Why: nonisolated async code (SQLKit, the store's statements) runs on the task's executor preference if it has one,
/// and otherwise on the global pool, where each of the writer's hops queued behind request handlers: the writer, which
/// every write goes through, spent most of its time waiting for a thread rather than writing.
final class SerialTaskExecutor: TaskExecutor {
    private let queue: DispatchQueue

    init(label: String) { queue = DispatchQueue(label: label) }

    func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        queue.async { job.runSynchronously(on: self.asUnownedTaskExecutor()) }
    }
}
