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

    public init(perMinute: Int) { self.perMinute = perMinute }

    /// Takes one token for `address`; returns the seconds to wait when there is none.
    public func take(_ address: String, now: ContinuousClock.Instant = .now) -> Int? {
        buckets.withLockedValue { b in
            if b.count > 100_000 { b.removeAll() } // bounded memory under an address-spraying attack
            var bucket = b[address] ?? Bucket(tokens: Double(perMinute), last: now)
            let elapsed = Double((now - bucket.last).components.seconds) + Double((now - bucket.last).components.attoseconds) / 1e18
            bucket.tokens = min(Double(perMinute), bucket.tokens + elapsed * Double(perMinute) / 60)
            bucket.last = now
            if bucket.tokens >= 1 {
                bucket.tokens -= 1; b[address] = bucket; return nil
            }
            b[address] = bucket
            return Int(((1 - bucket.tokens) * 60 / Double(perMinute)).rounded(.up))
        }
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
