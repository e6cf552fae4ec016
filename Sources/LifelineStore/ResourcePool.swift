import Synchronization

/// A pool of reusable values handed out one caller at a time, made on demand up to a limit.
///
/// Why a lock and not an actor: taking and giving back happen on every read, and an idle value is handed out under a
/// short lock without a hop to another executor; only a caller that finds none idle (and none left to make) suspends.
/// Why on demand: a value may be costly to hold (an SQLite connection is three open files); most stores never need
/// more than one or two at once.
final class ResourcePool<Resource: Sendable>: Sendable {
    private struct State: ~Copyable {
        var idle: [Resource]
        var waiters: [CheckedContinuation<Resource, Never>] = []
        /// Values made so far (idle or handed out).
        var made: Int
        /// Set by ``takeAll()``: no more values are made.
        var closed = false
    }

    private let state: Mutex<State>
    private let limit: Int
    private let make: @Sendable () -> Resource?

    /// A pool of `resources`, which grows with `make` (nil: could not make one now) up to `limit` values.
    init(_ resources: [Resource], limit: Int? = nil, make: @escaping @Sendable () -> Resource? = { nil }) {
        state = Mutex(State(idle: resources, made: resources.count))
        self.limit = max(limit ?? resources.count, resources.count)
        self.make = make
    }

    private enum Next { case have(Resource), makeOne, wait }

    func take() async -> Resource {
        let next = state.withLock { s -> Next in
            if let r = s.idle.popLast() { return .have(r) }
            guard !s.closed, s.made < limit else { return .wait }
            s.made += 1    // reserved under the lock, made outside it
            return .makeOne
        }
        switch next {
        case .have(let r): return r
        case .makeOne:
            if let r = make() { return r }
            state.withLock { $0.made -= 1 }
        case .wait: break
        }
        return await withCheckedContinuation { (cont: CheckedContinuation<Resource, Never>) in
            // Given back meanwhile: hand it out now, or wait in line (answered by `give`).
            let r = state.withLock { s -> Resource? in
                if let r = s.idle.popLast() { return r }
                s.waiters.append(cont)
                return nil
            }
            if let r { cont.resume(returning: r) }
        }
    }

    func give(_ r: Resource) {
        let waiter = state.withLock { s -> CheckedContinuation<Resource, Never>? in
            if s.waiters.isEmpty { s.idle.append(r); return nil }
            return s.waiters.removeFirst()
        }
        waiter?.resume(returning: r)
    }

    /// Stops making values and waits until every value made so far is back, then takes them all out of the pool.
    func takeAll() async -> [Resource] {
        var out: [Resource] = []
        while state.withLock({ s -> Bool in s.closed = true; return out.count < s.made }) {
            out.append(await take())
        }
        return out
    }

    /// Runs `body` with a value taken from the pool, and gives it back afterwards.
    func with<R>(_ body: (Resource) async throws -> R) async throws -> R {
        let r = await take()
        defer { give(r) }
        return try await body(r)
    }
}
