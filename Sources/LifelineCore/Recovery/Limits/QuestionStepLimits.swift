import Foundation

/// Per-address and per-flow limits on submissions of the security-questions step, the only recovery step whose check
/// is slow hashing (one scrypt of 16 MiB per question, decoys included).
///
/// Why beyond the address limit of all recovery routes and the guessing budget: those allow a sprayer with many
/// usernames tens of answer submissions a minute from one address, each worth up to one scrypt per question of
/// CPU. These bound the hashing one address, or one flow, can cause: at the defaults one address causes at most
/// 20 submissions a minute (20 × the questions asked scrypts), and one flow at most 5 a minute (the default
/// `wrong_per_step`, so an honest user who mistypes is never held), whatever the budget of its username allows. Refused submissions are neither checked nor charged to the budget.
public struct QuestionStepPolicy: Sendable, Equatable {
    /// Questions-step submissions per minute per client address (`recovery.questions.perAddressPerMinute`).
    public var perAddressPerMinute = 20
    /// Questions-step submissions per minute per flow (`recovery.questions.perFlowPerMinute`).
    public var perFlowPerMinute = 5
    public init() {}
}

/// The in-memory buckets of ``QuestionStepPolicy`` (per process, like the address limiter of the routes).
public final class QuestionStepLimiter: Sendable {
    private let byAddress: KeyedRateLimiter
    private let byFlow: KeyedRateLimiter
    /// Where the buckets' time comes from: the service's clock, mapped onto the monotonic clock from when the limiter
    /// was made. Why the service's clock: the buckets then follow the same time as everything else the service does,
    /// and a test's frozen clock makes them refill only when the test says so (a slow machine is not a refill).
    private let clock: (any LifelineClock)?
    private let epoch: (instant: ContinuousClock.Instant, date: Date)

    /// `clock` nil: the monotonic clock.
    public init(policy: QuestionStepPolicy = QuestionStepPolicy(), clock: (any LifelineClock)? = nil) {
        byAddress = KeyedRateLimiter(perMinute: policy.perAddressPerMinute)
        byFlow = KeyedRateLimiter(perMinute: policy.perFlowPerMinute)
        self.clock = clock
        epoch = (.now, clock?.now() ?? Date())
    }

    /// The buckets' current instant.
    private var now: ContinuousClock.Instant {
        guard let clock else { return .now }
        // A clock set back before the limiter was made counts as its start (never a negative time).
        return epoch.instant.advanced(by: .milliseconds(Int64(max(0, clock.now().timeIntervalSince(epoch.date)) * 1000)))
    }

    /// Takes one submission of `flow` from `source` (an IPv6 client counted by its /64); throws `rateLimited` with
    /// the seconds to wait when either limit is spent. The flow's bucket is checked first, so one flow's retries do
    /// not spend the address's share.
    public func admit(flow: UUID, source: String, now: ContinuousClock.Instant? = nil) throws {
        let now = now ?? self.now
        if let wait = byFlow.take(flow.uuidString, now: now) {
            throw LifelineError(.rateLimited, "too many answers for this recovery; try again in \(wait) s", retryAfter: wait)
        }
        if let wait = byAddress.take(ClientAddress.limiterKey(source), now: now) {
            throw LifelineError(.rateLimited, "too many answers from this address; try again in \(wait) s", retryAfter: wait)
        }
    }
}
