import SQLKit
import Synchronization

/// Group commit: write transactions that arrive while one is running are run together in the next transaction, so
/// BEGIN/COMMIT (on PostgreSQL: the commit's fsync) and the hand-offs between callers are paid once per batch
/// instead of once per request.
///
/// Semantics stay those of one transaction per caller: jobs run one after another (as they would serially), and
/// each caller is answered only after the COMMIT that contains its job. If any job of a batch throws (or the
/// COMMIT fails), the whole batch is rolled back and every job of it is run again alone, so a failing job never
/// takes another caller's change with it and never leaves a half-written change of its own.
///
/// Why batching costs no parallelism: every write appends to the audit chain, whose head row (PostgreSQL) or the
/// database's single writer lock (SQLite) serializes write transactions anyway.
final class GroupCommitWriter: Sendable {
    private struct Job: Sendable {
        let run: @Sendable (any SQLDatabase) async throws -> any Sendable
        let done: CheckedContinuation<any Sendable, any Error>
    }

    /// Gives a batch its connection: the SQLite writer connection, or one leased from the PostgreSQL pool.
    typealias Lease = @Sendable (_ body: @Sendable (any SQLDatabase) async -> Void) async throws -> Void

    private let lease: Lease
    private let begin: SQLQueryString
    private let maxBatch: Int
    /// The jobs waiting for the next batch, and whether a drain loop is running (at most one is).
    private let queue = Mutex<(pending: [Job], draining: Bool)>(([], false))
    /// Where the drain loop runs (``SerialTaskExecutor``). Why a lock and an executor rather than an actor: every step
    /// of a batch (each statement is an `await` through SQLKit) then follows the last on the same thread; as an actor,
    /// each step hopped between the actor and the concurrency pool, where it queued behind request handlers.
    private let executor = SerialTaskExecutor(label: "lifeline.store.writer")

    /// `begin` starts a write transaction: "BEGIN IMMEDIATE" on SQLite (takes the write lock at once, so no
    /// transaction fails later on a lock upgrade), "BEGIN" on PostgreSQL.
    init(begin: String, maxBatch: Int = 128, lease: @escaping Lease) {
        self.lease = lease
        self.begin = SQLQueryString(begin)
        self.maxBatch = maxBatch
    }

    /// On one connection that is always the same (SQLite's writer).
    convenience init(db: any SQLDatabase, begin: String, maxBatch: Int = 128) {
        self.init(begin: begin, maxBatch: maxBatch) { body in await body(db) }
    }

    /// Runs `body` in a write transaction (possibly shared with other callers' bodies) and returns its result.
    func submit<R: Sendable>(_ body: @escaping @Sendable (any SQLDatabase) async throws -> R) async throws -> R {
        let result = try await withCheckedThrowingContinuation { (cont: CheckedContinuation<any Sendable, any Error>) in
            let startDrain = queue.withLock { q in
                q.pending.append(Job(run: { try await body($0) }, done: cont))
                if q.draining { return false }
                q.draining = true
                return true
            }
            if startDrain { Task(executorPreference: executor) { await self.drain() } }
        }
        // The job closure returns exactly `R`, so this cast cannot fail.
        return result as! R
    }

    private func drain() async {
        while true {
            let batch: [Job]? = queue.withLock { q in
                guard !q.pending.isEmpty else {
                    q.draining = false
                    return nil
                }
                let batch = Array(q.pending.prefix(maxBatch))
                q.pending.removeFirst(batch.count)
                return batch
            }
            guard let batch else { return }
            let started = Mutex(false)
            do {
                try await lease { db in
                    started.withLock { $0 = true }
                    await self.run(batch, on: db)
                }
            } catch where !started.withLock({ $0 }) {
                // No connection (the database is unreachable): every caller of the batch gets the error. Only if the
                // batch never ran: a continuation must be resumed exactly once.
                for job in batch { job.done.resume(throwing: error) }
            } catch {
                // The batch ran and answered its callers; the lease failed only in giving the connection back.
            }
        }
    }

    private func run(_ batch: [Job], on db: any SQLDatabase) async {
        let committed = batch.count > 1 ? await runTogether(batch, on: db) : false
        if !committed {
            for job in batch { await runAlone(job, on: db) }
        }
    }

    /// Runs the batch in one transaction; false (after a rollback, nobody answered) if anything failed.
    private func runTogether(_ batch: [Job], on db: any SQLDatabase) async -> Bool {
        var results: [any Sendable] = []
        results.reserveCapacity(batch.count)
        do {
            try await db.raw(begin).run()
        } catch {
            return false
        }
        do {
            for job in batch { results.append(try await job.run(db)) }
            try await db.raw("COMMIT").run()
        } catch {
            try? await db.raw("ROLLBACK").run()
            return false
        }
        for (job, result) in zip(batch, results) { job.done.resume(returning: result) }
        return true
    }

    private func runAlone(_ job: Job, on db: any SQLDatabase) async {
        do {
            try await db.raw(begin).run()
            do {
                let result = try await job.run(db)
                try await db.raw("COMMIT").run()
                job.done.resume(returning: result)
            } catch {
                try? await db.raw("ROLLBACK").run()
                job.done.resume(throwing: error)
            }
        } catch {
            job.done.resume(throwing: error)
        }
    }
}

