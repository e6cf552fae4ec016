import SQLKit

/// Group commit for SQLite's single writer: write transactions that arrive while one is running are run
/// together in the next transaction, so BEGIN/COMMIT and the hand-offs between callers are paid once per batch
/// instead of once per request.
///
/// Semantics stay those of one transaction per caller: jobs run one after another (as they would serially), and
/// each caller is answered only after the COMMIT that contains its job. If any job of a batch throws (or the
/// COMMIT fails), the whole batch is rolled back and every job of it is run again alone, so a failing job never
/// takes another caller's change with it and never leaves a half-written change of its own.
actor GroupCommitWriter {
    private struct Job {
        let run: @Sendable (any SQLDatabase) async throws -> any Sendable
        let done: CheckedContinuation<any Sendable, any Error>
    }

    private let db: any SQLDatabase
    private let maxBatch: Int
    private var pending: [Job] = []
    private var draining = false

    init(db: any SQLDatabase, maxBatch: Int = 128) {
        self.db = db
        self.maxBatch = maxBatch
    }

    /// Runs `body` in a write transaction (possibly shared with other callers' bodies) and returns its result.
    func submit<R: Sendable>(_ body: @escaping @Sendable (any SQLDatabase) async throws -> R) async throws -> R {
        let result = try await withCheckedThrowingContinuation { (cont: CheckedContinuation<any Sendable, any Error>) in
            pending.append(Job(run: { try await body($0) }, done: cont))
            if !draining {
                draining = true
                Task { await self.drain() }
            }
        }
        // The job closure returns exactly `R`, so this cast cannot fail.
        return result as! R
    }

    private func drain() async {
        while !pending.isEmpty {
            let batch = Array(pending.prefix(maxBatch))
            pending.removeFirst(batch.count)
            let committed = batch.count > 1 ? await runTogether(batch) : false
            if !committed {
                for job in batch { await runAlone(job) }
            }
        }
        draining = false
    }

    /// Runs the batch in one transaction; false (after a rollback, nobody answered) if anything failed.
    private func runTogether(_ batch: [Job]) async -> Bool {
        var results: [any Sendable] = []
        results.reserveCapacity(batch.count)
        do {
            try await db.raw("BEGIN IMMEDIATE").run()
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

    private func runAlone(_ job: Job) async {
        do {
            // BEGIN IMMEDIATE takes the write lock at once, so no transaction fails later on a lock upgrade.
            try await db.raw("BEGIN IMMEDIATE").run()
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
