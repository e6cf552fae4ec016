import Foundation
@testable import LifelineCore
import Synchronization
import Testing

/// Slow hashing runs on a fixed set of threads with a bounded queue (issue 13 item 4: each answers submission ran up to
/// 10 scrypts of 16 MiB on unbounded Dispatch threads, decoys included).
@Suite("Slow-hash pool")
struct SlowHashPoolTests {
    /// Counts how many jobs run at once.
    final class Gauge: Sendable {
        private let state = Mutex((now: 0, most: 0))
        func enter() { state.withLock { $0.now += 1; $0.most = max($0.most, $0.now) } }
        func leave() { state.withLock { $0.now -= 1 } }
        var most: Int { state.withLock { $0.most } }
    }

    @Test("SlowHash.offloaded never runs more jobs at once than the shared pool's threads, however many arrive")
    func offloadedIsBounded() async throws {
        let gauge = Gauge()
        let outcomes = await withTaskGroup(of: Bool.self) { group in
            for _ in 0..<12 {
                group.addTask {
                    (try? await SlowHash.offloaded {
                        gauge.enter()
                        Thread.sleep(forTimeInterval: 0.05)
                        gauge.leave()
                        return true
                    }) ?? false
                }
            }
            return await group.reduce(into: [Bool]()) { $0.append($1) }
        }
        #expect(outcomes.filter { $0 }.count == 12, "the default queue takes 12 jobs")
        #expect(gauge.most >= 1)
        #expect(gauge.most <= max(1, ProcessInfo.processInfo.activeProcessorCount / 2), "ran \(gauge.most) at once")
    }

    @Test("a pool runs at most its threads at once and finishes every accepted job")
    func boundedConcurrency() async throws {
        let pool = SlowHashPool(threads: 2, maxQueued: 100)
        let gauge = Gauge()
        let results = try await withThrowingTaskGroup(of: Int.self) { group in
            for i in 0..<20 {
                group.addTask {
                    try await pool.run {
                        gauge.enter()
                        Thread.sleep(forTimeInterval: 0.01)
                        gauge.leave()
                        return i
                    }
                }
            }
            return try await group.reduce(into: [Int]()) { $0.append($1) }
        }
        #expect(results.sorted() == Array(0..<20))
        #expect(gauge.most <= 2)
        #expect(pool.statistics.busiest <= 2)
    }

    @Test("a full queue refuses anonymous work at once with unavailable and a Retry-After; other work waits", .timeLimit(.minutes(1)))
    func fullQueueRefuses() async throws {
        let pool = SlowHashPool(threads: 1, maxQueued: 1)
        let gate = DispatchSemaphore(value: 0)
        let blocker = Task { try await pool.run { gate.wait(); return 1 } }
        // Wait (bounded) until the blocker holds the only thread.
        for _ in 0..<500 where pool.statistics.busiest == 0 { try await Task.sleep(for: .milliseconds(10)) }
        #expect(pool.statistics.busiest == 1)
        let queued = Task { try await pool.run(refusable: true) { 2 } }
        for _ in 0..<500 where pool.statistics.waiting == 0 { try await Task.sleep(for: .milliseconds(10)) }
        #expect(pool.statistics.waiting == 1)
        // The waiting slot is taken: a third job is refused without waiting.
        var refusal: LifelineError?
        do { _ = try await pool.run(refusable: true) { 3 } } catch let e as LifelineError { refusal = e }
        #expect(refusal?.code == .unavailable)
        #expect(refusal?.retryAfter == 5)
        // Work that is not anonymous waits its turn instead of being refused.
        let admin = Task { try await pool.run { 5 } }
        for _ in 0..<500 where pool.statistics.waiting < 2 { try await Task.sleep(for: .milliseconds(10)) }
        #expect(pool.statistics.waiting == 2)
        gate.signal()
        #expect(try await admin.value == 5)
        #expect(try await blocker.value == 1)
        #expect(try await queued.value == 2)
        #expect(try await pool.run { 4 } == 4)
        #expect(pool.statistics.refused >= 1)
    }
}
