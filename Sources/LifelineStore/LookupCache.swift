import Synchronization

/// A bounded in-memory cache of rows that never change once written (tenants), read on every API call;
/// also the store of flow states by version (``SQLStore/flowStates``), whose hits the store checks itself.
///
/// Why only positive results: a row created by another process (the CLI) must be found at once, so a miss always
/// goes to the database; a row, once written, is immutable (tenants are never renamed), so a
/// cached hit cannot be stale. API keys, which can be revoked, live in a ``TTLCache`` instead; when renaming is
/// added, its write must call `remove` and other processes need a TTL too.
final class LookupCache<Value: Sendable>: Sendable {
    private let entries = Mutex<[String: Value]>([:])
    private let capacity: Int

    init(capacity: Int = 10_000) { self.capacity = capacity }

    /// The cached value, or the loaded one (cached when present).
    func value(for key: String, load: () async throws -> Value?) async rethrows -> Value? {
        if let hit = cached(key) { return hit }
        guard let loaded = try await load() else { return nil }
        put(key, loaded)
        return loaded
    }

    /// The cached value of `key`, if any (for a caller that checks it against the database itself).
    func cached(_ key: String) -> Value? { entries.withLock { $0[key] } }

    /// Remembers `value` for `key` (a loaded value, or one this process has just written).
    func put(_ key: String, _ value: Value) {
        entries.withLock { dict in
            // Bounded: past the capacity the cache starts over rather than growing without limit.
            if dict.count >= capacity, dict[key] == nil { dict.removeAll(keepingCapacity: true) }
            dict[key] = value
        }
    }

    func remove(_ key: String) { _ = entries.withLock { $0.removeValue(forKey: key) } }
}
