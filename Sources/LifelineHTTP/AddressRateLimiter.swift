import Foundation
import Hummingbird
import LifelineCore

/// A per-client-address token bucket for the public recovery routes (API and web pages).
///
/// Why: the recovery routes need no credential, so without it one address could create flows for many usernames
/// (spraying) or hammer one flow. Per process and in memory: each server enforces its share; the per-user
/// limits in the store hold across processes.
public final class AddressRateLimiter: Sendable {
    private let buckets: KeyedRateLimiter
    /// Requests allowed per minute per address (also the burst size).
    public var perMinute: Int { buckets.perMinute }
    /// The most buckets kept; beyond it the least recently used are evicted.
    public var capacity: Int { buckets.capacity }

    /// Told of each refusal (``LimitKind/addressRateLimit``).
    let observer: any OperationsObserver

    public init(perMinute: Int, capacity: Int = 100_000, observer: any OperationsObserver = NoOperationsObserver()) {
        buckets = KeyedRateLimiter(perMinute: perMinute, capacity: capacity); self.observer = observer
    }

    /// Takes one token for `address` (counted by ``ClientAddress/limiterKey(_:)``: an IPv6 client by its /64);
    /// returns the seconds to wait when there is none.
    public func take(_ address: String, now: ContinuousClock.Instant = .now) -> Int? {
        buckets.take(ClientAddress.limiterKey(address), now: now)
    }

    /// How many addresses are tracked (tests).
    public var trackedCount: Int { buckets.trackedCount }

    /// The tokens `address` had after its last request (tests).
    public func tokens(_ address: String) -> Double? { buckets.tokens(ClientAddress.limiterKey(address)) }
}

/// Applies ``AddressRateLimiter`` to a route group.
struct AddressRateLimitMiddleware: RouterMiddleware {
    typealias Context = AppRequestContext
    let limiter: AddressRateLimiter

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        if let wait = limiter.take(context.sourceAddress) {
            limiter.observer.observe(.limit(.addressRateLimit, tenant: nil, subject: context.sourceAddress, until: nil))
            throw LifelineError(.rateLimited, "too many requests from this address; try again later", retryAfter: wait)
        }
        return try await next(request, context)
    }
}
