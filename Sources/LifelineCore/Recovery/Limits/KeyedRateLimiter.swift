import Foundation
import Synchronization

/// Token buckets by key, in memory: `perMinute` requests a minute per key, with a burst of `perMinute`.
///
/// Per process: each server enforces its share. The limits that must hold across processes (the guessing budget,
/// sends per user) are kept in the store instead. Memory is bounded by `capacity`.
public final class KeyedRateLimiter: Sendable {
    private struct Bucket { var tokens: Double; var last: ContinuousClock.Instant }
    private let buckets = Mutex<[String: Bucket]>([:])
    /// Requests allowed per minute per key (also the burst size).
    public let perMinute: Int
    /// The most buckets kept; beyond it the least recently used are evicted.
    public let capacity: Int

    public init(perMinute: Int, capacity: Int = 100_000) { self.perMinute = max(1, perMinute); self.capacity = max(capacity, 16) }

    /// Takes one token for `key`; returns the whole seconds to wait when there is none (nothing is taken then).
    public func take(_ key: String, now: ContinuousClock.Instant = .now) -> Int? {
        let perMinute = self.perMinute, capacity = self.capacity
        return buckets.withLock { b in
            if b[key] == nil, b.count >= capacity { Self.evict(&b, keep: capacity * 3 / 4, now: now) }
            var bucket = b[key] ?? Bucket(tokens: Double(perMinute), last: now)
            // Never negative: an instant before the bucket's last one (a caller's clock set back) refills nothing.
            let elapsed = max(0, Double((now - bucket.last).components.seconds) + Double((now - bucket.last).components.attoseconds) / 1e18)
            bucket.tokens = min(Double(perMinute), bucket.tokens + elapsed * Double(perMinute) / 60)
            bucket.last = now
            if bucket.tokens >= 1 {
                bucket.tokens -= 1; b[key] = bucket; return nil
            }
            b[key] = bucket
            return Int(((1 - bucket.tokens) * 60 / Double(perMinute)).rounded(.up))
        }
    }

    /// Bounded memory under a spraying attack without ever clearing every bucket at once (which handed every
    /// throttled key a full bucket): first the buckets that have refilled (forgetting them changes nothing), then
    /// the least recently used, down to `keep`. O(n log n) once per `capacity / 4` new keys.
    private static func evict(_ b: inout [String: Bucket], keep: Int, now: ContinuousClock.Instant) {
        b = b.filter { now - $0.value.last < .seconds(60) }
        guard b.count > keep else { return }
        let oldest = b.sorted { $0.value.last < $1.value.last }.prefix(b.count - keep).map(\.key)
        for k in oldest { b.removeValue(forKey: k) }
    }

    /// How many keys are tracked (tests).
    public var trackedCount: Int { buckets.withLock { $0.count } }

    /// The tokens `key` had after its last request (tests).
    public func tokens(_ key: String) -> Double? { buckets.withLock { $0[key]?.tokens } }
}
