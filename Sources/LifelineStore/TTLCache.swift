import Foundation
import Synchronization

/// A small in-memory cache whose entries expire after `ttl` — for rows that change rarely but may change in
/// another process (a tenant's recovery configuration, read on every flow request).
///
/// Why a TTL rather than ``LookupCache``: a configuration is edited in place; this process drops its own entry on
/// every write it makes, and another process's write is seen within `ttl` at the latest.
final class TTLCache<Value: Sendable>: Sendable {
    private let entries = Mutex<[String: (value: Value, expires: ContinuousClock.Instant)]>([:])
    private let ttl: Duration
    private let capacity: Int

    init(ttl: Duration, capacity: Int = 10_000) { self.ttl = ttl; self.capacity = capacity }

    func value(for key: String, load: () async throws -> Value) async rethrows -> Value {
        let now = ContinuousClock.now
        if let hit = entries.withLock({ $0[key] }), hit.expires > now { return hit.value }
        let loaded = try await load()
        store(loaded, for: key, loadedAt: now)
        return loaded
    }

    /// The cached value, or the loaded one, cached only when present (why: a row another process creates, such as
    /// a new API key, must be found at once, so "not found" is never remembered).
    func present(for key: String, load: () async throws -> Value?) async rethrows -> Value? {
        let now = ContinuousClock.now
        if let hit = entries.withLock({ $0[key] }), hit.expires > now { return hit.value }
        guard let loaded = try await load() else {
            remove(key)
            return nil
        }
        store(loaded, for: key, loadedAt: now)
        return loaded
    }

    func remove(_ key: String) { _ = entries.withLock { $0.removeValue(forKey: key) } }

    /// Keeps `value` until `ttl` after it was loaded (bounded: past `capacity` entries the cache starts over).
    private func store(_ value: Value, for key: String, loadedAt now: ContinuousClock.Instant) {
        entries.withLock { dict in
            if dict.count >= capacity { dict.removeAll(keepingCapacity: true) }
            dict[key] = (value, now + ttl)
        }
    }
}
