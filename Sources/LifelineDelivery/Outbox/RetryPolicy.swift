import Foundation

/// When a failed message is tried again: exponential backoff with a cap and a limit on attempts.
public struct RetryPolicy: Sendable, Equatable {
    /// The wait after the first failed attempt; it doubles after each further failure.
    public var baseDelay: Duration
    /// The longest wait between two attempts.
    public var maxDelay: Duration
    /// After this many attempts the message is marked failed.
    public var maxAttempts: Int
    /// A random share (0…1) taken off each wait, so that messages that failed together (a provider outage)
    /// do not all come back in the same instant.
    public var jitter: Double

    /// A policy; the defaults try 8 times over about 20 minutes (5 s, 10 s, 20 s, … capped at 10 min).
    public init(baseDelay: Duration = .seconds(5), maxDelay: Duration = .seconds(600), maxAttempts: Int = 8,
                jitter: Double = 0.2) {
        self.baseDelay = baseDelay; self.maxDelay = maxDelay; self.maxAttempts = max(1, maxAttempts)
        self.jitter = min(max(jitter, 0), 1)
    }

    /// The time of the next attempt after attempt number `attempts` (1-based) failed at `now`; nil to give up.
    public func nextAttempt(after attempts: Int, now: Date) -> Date? {
        guard attempts < maxAttempts else { return nil }
        let base = Self.seconds(baseDelay), cap = Self.seconds(maxDelay)
        var delay = min(cap, base * pow(2, Double(max(0, min(attempts - 1, 62)))))
        if jitter > 0 { delay -= delay * jitter * Double.random(in: 0..<1) }
        return now.addingTimeInterval(delay)
    }

    static func seconds(_ d: Duration) -> Double {
        Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18
    }
}
