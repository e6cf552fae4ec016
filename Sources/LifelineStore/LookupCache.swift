import Synchronization

/// A bounded in-memory cache of rows that never change once written (API keys, tenants), read on every API call.
///
/// Why only positive results: a row created by another process (the CLI) must be found at once, so a miss always
/// goes to the database; a row, once written, is immutable (keys are never edited, tenants never renamed), so a
/// cached hit cannot be stale. When revocation or renaming is added, its write must call `remove`.
final class LookupCache<Value: Sendable>: Sendable {
    private let entries = Mutex<[String: Value]>([:])
    private let capacity: Int

    init(capacity: Int = 10_000) { self.capacity = capacity }

    /// The cached value, or the loaded one (cached when present).
    func value(for key: String, load: () async throws -> Value?) async rethrows -> Value? {
        if let hit = entries.withLock({ $0[key] }) { return hit }
        guard let loaded = try await load() else { return nil }
        entries.withLock { dict in
            // Bounded: past the capacity the cache starts over rather than growing without limit.
            if dict.count >= capacity { dict.removeAll(keepingCapacity: true) }
            dict[key] = loaded
        }
        return loaded
    }

    func remove(_ key: String) { _ = entries.withLock { $0.removeValue(forKey: key) } }
}
