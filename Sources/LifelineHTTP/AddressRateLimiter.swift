import Foundation
import Hummingbird
import LifelineCore
import NIOConcurrencyHelpers

/// A per-client-address token bucket for the public recovery routes (API and web pages).
///
/// Why: the recovery routes need no credential, so without it one address could create flows for many usernames
/// (spraying) or hammer one flow. Per process and in memory: each server enforces its share; the per-user
/// limits in the store hold across processes.
public final class AddressRateLimiter: Sendable {
    private struct Bucket { var tokens: Double; var last: ContinuousClock.Instant }
    private let buckets = NIOLockedValueBox<[String: Bucket]>([:])
    /// Requests allowed per minute per address (also the burst size).
    public let perMinute: Int
    /// The most buckets kept; beyond it the least recently used are evicted.
    public let capacity: Int

    public init(perMinute: Int, capacity: Int = 100_000) { self.perMinute = perMinute; self.capacity = max(capacity, 16) }

    /// Takes one token for `address` (counted by ``ClientAddress/limiterKey(_:)``: an IPv6 client by its /64);
    /// returns the seconds to wait when there is none.
    public func take(_ address: String, now: ContinuousClock.Instant = .now) -> Int? {
        let key = ClientAddress.limiterKey(address)
        return buckets.withLockedValue { b in
            if b[key] == nil, b.count >= capacity { Self.evict(&b, keep: capacity * 3 / 4, now: now, perMinute: perMinute) }
            var bucket = b[key] ?? Bucket(tokens: Double(perMinute), last: now)
            let elapsed = Double((now - bucket.last).components.seconds) + Double((now - bucket.last).components.attoseconds) / 1e18
            bucket.tokens = min(Double(perMinute), bucket.tokens + elapsed * Double(perMinute) / 60)
            bucket.last = now
            if bucket.tokens >= 1 {
                bucket.tokens -= 1; b[key] = bucket; return nil
            }
            b[key] = bucket
            return Int(((1 - bucket.tokens) * 60 / Double(perMinute)).rounded(.up))
        }
    }

    /// Bounded memory under an address-spraying attack without ever clearing every bucket at once (which handed every
    /// throttled address a full bucket): first the buckets that have refilled (forgetting them changes nothing), then
    /// the least recently used, down to `keep`. O(n log n) once per `capacity / 4` new addresses.
    private static func evict(_ b: inout [String: Bucket], keep: Int, now: ContinuousClock.Instant, perMinute: Int) {
        b = b.filter { now - $0.value.last < .seconds(60) }
        guard b.count > keep else { return }
        let oldest = b.sorted { $0.value.last < $1.value.last }.prefix(b.count - keep).map(\.key)
        for k in oldest { b.removeValue(forKey: k) }
    }

    /// How many addresses are tracked (tests).
    public var trackedCount: Int { buckets.withLockedValue { $0.count } }

    /// The tokens `address` had after its last request (tests).
    public func tokens(_ address: String) -> Double? {
        buckets.withLockedValue { $0[ClientAddress.limiterKey(address)]?.tokens }
    }
}

/// Applies ``AddressRateLimiter`` to a route group.
struct AddressRateLimitMiddleware: RouterMiddleware {
    typealias Context = AppRequestContext
    let limiter: AddressRateLimiter

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        if let wait = limiter.take(context.sourceAddress) {
            throw LifelineError(.rateLimited, "too many requests from this address; try again later", retryAfter: wait)
        }
        return try await next(request, context)
    }
}
