import Synchronization

/// A pool of reusable values handed out one caller at a time.
///
/// Why a lock and not an actor: taking and giving back happen on every read, and an idle value is handed out under a
/// short lock without a hop to another executor; only a caller that finds none idle suspends.
final class ResourcePool<Resource: Sendable>: Sendable {
    private struct State: ~Copyable {
        var idle: [Resource]
        var waiters: [CheckedContinuation<Resource, Never>] = []
    }

    private let state: Mutex<State>

    init(_ resources: [Resource]) { state = Mutex(State(idle: resources)) }

    func take() async -> Resource {
        if let r = state.withLock({ $0.idle.popLast() }) { return r }
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

    /// Takes every idle value out of the pool.
    func drain() -> [Resource] { state.withLock { s in defer { s.idle = [] }; return s.idle } }

    /// Runs `body` with a value taken from the pool, and gives it back afterwards.
    func with<R>(_ body: (Resource) async throws -> R) async throws -> R {
        let r = await take()
        defer { give(r) }
        return try await body(r)
    }
}
