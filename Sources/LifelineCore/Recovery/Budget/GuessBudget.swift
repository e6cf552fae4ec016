import Foundation

/// The operator's guessing budget for recovery (server configuration `recovery.budget.*`, docs/security.md).
///
/// Why per user and across flows: a per-step or per-flow limit resets with every new flow, so an attacker who opens
/// many flows (or abandons each before its limit) guesses without bound. Every wrong answer of any flow and step
/// counts here, keyed by username (unknown usernames alike, so decoys behave the same).
public struct GuessBudgetPolicy: Sendable, Equatable {
    /// Wrong answers before the first pause.
    public var free = 5
    /// One counted wrong answer is forgiven per this many seconds: the window slides (a leaky bucket), so neither
    /// midnight nor an abandoned flow resets it.
    public var forgiveAfter = 30 * 86_400
    /// The first pause; each further wrong answer doubles it.
    public var pauseBase = 300
    /// The longest pause.
    public var pauseMax = 30 * 86_400
    /// How long a browser that completed a recovery (or redeemed the link of a pause notice) keeps a budget of its own
    /// for that user.
    public var passLifetime = 90 * 86_400

    public init() {}

    /// The pause after the `failures`-th counted wrong answer (0 while the free answers last).
    public func pause(afterFailures failures: Int) -> Int {
        guard failures >= free else { return 0 }
        // Why capped before shifting: 2^(n) overflows Int for n ≥ 63; any exponent past 40 is beyond pauseMax anyway.
        let exponent = min(failures - free, 40)
        let (p, overflow) = pauseBase.multipliedReportingOverflow(by: 1 << exponent)
        return overflow ? pauseMax : min(p, pauseMax)
    }
}

/// Which budget a submission spends: the username's own, or that of a browser holding a pass for the username.
public struct GuessBudgetKey: Sendable, Hashable {
    public var tenantID: UUID
    public var usernameKey: String
    /// `user` for the username's budget; `pass:<id>` for a budget pass (``BudgetPass``).
    public var scope: String

    public init(tenantID: UUID, usernameKey: String, scope: String = "user") {
        self.tenantID = tenantID; self.usernameKey = usernameKey; self.scope = scope
    }

    /// The primary key of the stored row.
    public var storageKey: String { "\(tenantID.uuidString.lowercased()):\(scope):\(usernameKey)" }
}

/// The stored state of one budget.
public struct GuessBudgetState: Sendable, Equatable {
    /// Counted wrong answers not yet forgiven.
    public var failures = 0
    /// The time from which the next forgiveness is counted.
    public var decayFrom: Date
    /// No submission is checked before this time.
    public var pausedUntil: Date?
    /// When the user was last told that recovery is paused (at most one notice per day).
    public var notifiedAt: Date?

    public init(failures: Int = 0, decayFrom: Date, pausedUntil: Date? = nil, notifiedAt: Date? = nil) {
        self.failures = failures; self.decayFrom = decayFrom; self.pausedUntil = pausedUntil; self.notifiedAt = notifiedAt
    }

    /// The state at `now` after forgiveness.
    public func decayed(at now: Date, _ policy: GuessBudgetPolicy) -> GuessBudgetState {
        var s = self
        guard s.failures > 0 else { s.decayFrom = now; return s }
        let elapsed = max(0, now.timeIntervalSince(decayFrom))
        let forgiven = Int(min(elapsed / Double(max(policy.forgiveAfter, 1)), Double(Int32.max)))
        if forgiven >= s.failures {
            s.failures = 0; s.decayFrom = now
        } else if forgiven > 0 {
            s.failures -= forgiven
            s.decayFrom = decayFrom.addingTimeInterval(Double(forgiven) * Double(policy.forgiveAfter))
        }
        return s
    }

    /// Seconds until submissions are checked again (nil: not paused).
    public func wait(at now: Date) -> Int? {
        guard let until = pausedUntil, until > now else { return nil }
        return until.wholeSeconds(after: now)
    }

    /// Counts one wrong answer at `now` (before the answer is checked; see ``GuessCharge``). Returns false, changing
    /// nothing, while paused. Why charged before the check: of many concurrent submissions only as many are checked
    /// as the budget has left; a check-then-count lets them all through.
    public mutating func charge(at now: Date, _ policy: GuessBudgetPolicy) -> Bool {
        if wait(at: now) != nil { return false }
        var s = decayed(at: now, policy)
        if s.failures == 0 { s.decayFrom = now }
        s.failures += 1
        let pause = policy.pause(afterFailures: s.failures)
        s.pausedUntil = pause > 0 ? now.addingTimeInterval(Double(pause)) : nil
        // The user hears of a pause at most once a day: a notice per wrong answer would let an attacker spam them.
        if pause > 0, notifiedAt.map({ now.timeIntervalSince($0) >= 86_400 }) ?? true { s.notifiedAt = now }
        self = s
        return true
    }

    /// This state with `charge` taken back: exactly the state before it if nothing changed since, otherwise one
    /// failure fewer, and the pause and notice time of before if they are still the charge's.
    public func refunding(_ charge: GuessCharge) -> GuessBudgetState {
        if self == charge.after { return charge.before }
        var s = self
        s.failures = max(0, s.failures - 1)
        if s.pausedUntil == charge.after.pausedUntil { s.pausedUntil = charge.before.pausedUntil }
        if s.notifiedAt == charge.after.notifiedAt { s.notifiedAt = charge.before.notifiedAt }
        return s
    }
}

/// A wrong answer counted before its check. The runner keeps it when the answer was wrong and refunds it otherwise.
public struct GuessCharge: Sendable, Equatable {
    public var key: GuessBudgetKey
    /// The state before and after the charge (the refund restores the pause only if nothing else changed it).
    public var before: GuessBudgetState
    public var after: GuessBudgetState

    public init(key: GuessBudgetKey, before: GuessBudgetState, after: GuessBudgetState) {
        self.key = key; self.before = before; self.after = after
    }

    /// Whether the user is to be told that recovery is paused for their account (the charge started a pause, and
    /// no notice went out in the last day).
    public var notifies: Bool { after.notifiedAt != before.notifiedAt }
}

/// A budget as the admin API shows it.
public struct GuessBudgetRecord: Sendable, Equatable {
    public var scope: String
    public var failures: Int
    public var pausedUntil: Date?
    public var updatedAt: Date

    public init(scope: String, failures: Int, pausedUntil: Date?, updatedAt: Date) {
        self.scope = scope; self.failures = failures; self.pausedUntil = pausedUntil; self.updatedAt = updatedAt
    }
}
