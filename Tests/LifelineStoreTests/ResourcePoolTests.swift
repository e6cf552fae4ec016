@testable import LifelineStore
import Synchronization
import Testing

/// `ResourcePool`: values made on demand up to the limit, waiters answered in turn, `takeAll` waiting for every value.
@Suite("Resource pool")
struct ResourcePoolTests {
    final class Counter: Sendable {
        let made = Atomic<Int>(0)
    }

    @Test("grows to its limit and no further; a caller past it waits for a value given back")
    func growsToLimit() async throws {
        let counter = Counter()
        let pool = ResourcePool([0], limit: 3) { counter.made.add(1, ordering: .relaxed).newValue }
        let a = await pool.take(), b = await pool.take(), c = await pool.take()
        #expect(Set([a, b, c]) == [0, 1, 2])
        #expect(counter.made.load(ordering: .relaxed) == 2)
        let waiting = Task { await pool.take() }
        try await Task.sleep(for: .milliseconds(100))
        pool.give(b)
        #expect(await waiting.value == b)
        #expect(counter.made.load(ordering: .relaxed) == 2, "no value past the limit")
        pool.give(a)
        pool.give(c)
        pool.give(b)
    }

    @Test("a value that cannot be made leaves the caller waiting for one given back")
    func failedMakeWaits() async throws {
        let pool = ResourcePool([7], limit: 2) { nil }
        let first = await pool.take()
        let waiting = Task { await pool.take() }
        try await Task.sleep(for: .milliseconds(100))
        pool.give(first)
        #expect(await waiting.value == 7)
    }

    @Test("takeAll makes no more values and returns every one made, after those handed out come back")
    func takeAllWaitsForAll() async throws {
        let counter = Counter()
        let pool = ResourcePool([0], limit: 4) { counter.made.add(1, ordering: .relaxed).newValue }
        let a = await pool.take(), b = await pool.take()
        pool.give(a)
        let all = Task { await pool.takeAll() }
        try await Task.sleep(for: .milliseconds(100))
        pool.give(b)
        #expect(Set(await all.value) == [0, 1])
        #expect(counter.made.load(ordering: .relaxed) == 1)
    }
}
