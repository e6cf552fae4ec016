import Foundation

/// Something operators count and watch: a flow started, verified or failed; a message sent or failed; a throttle, a
/// pause or a lockout. The core reports these to an ``OperationsObserver``; the composition root's observer turns them
/// into Prometheus counters and warning log lines (docs/operations-metrics.md). Why a port: the core does no I/O and
/// imports neither Prometheus nor a logger, and a test can watch exactly what the core reported.
public enum OperationalEvent: Sendable, Equatable {
    /// A recovery flow's life: `started` (decoy flows too: they must look the same), `verified`, `failed`.
    case flow(FlowMilestone, tenant: String)
    /// One delivery attempt of the outbox dispatcher.
    case message(MessageChannel, MessageOutcome)
    /// A request refused, or a credential or budget limited, by a throttle, pause or lockout. `subject` is an id that
    /// is no secret (a token or user id, or a client address), never a username or a code; nil when none is known.
    case limit(LimitKind, tenant: String?, subject: String?, until: Date?)
}

/// What happened to a flow (``OperationalEvent/flow(_:tenant:)``).
public enum FlowMilestone: String, Sendable, CaseIterable {
    case started, verified, failed
}

/// The outcome of one delivery attempt (``OperationalEvent/message(_:_:)``).
public enum MessageOutcome: String, Sendable, CaseIterable {
    /// The provider accepted the message.
    case sent
    /// The attempt failed; the message will be tried again.
    case retry
    /// The message failed for good.
    case failed
}

/// Which limit acted (``OperationalEvent/limit(_:tenant:subject:until:)``); the raw value is the metrics label.
public enum LimitKind: String, Sendable, CaseIterable {
    /// A code was refused unchecked: every token it could be for is throttled after consecutive failures.
    case tokenThrottled = "token_throttled"
    /// A code was refused: the user's tokens are locked.
    case tokenLocked = "token_locked"
    /// A wrong code reached `otp.maxFail` and locked a token.
    case tokenLockout = "token_lockout"
    /// A recovery start or step was refused: the user's guessing budget is paused.
    case recoveryPaused = "recovery_paused"
    /// A wrong answer used up the guessing budget and paused it.
    case budgetExhausted = "budget_exhausted"
    /// A request was refused by the per-address limit of the public recovery routes (`recovery.requestsPerMinute`).
    case addressRateLimit = "address_rate_limit"
}

/// Receives the core's ``OperationalEvent``s. Contract: called after the change it reports was written (never for a
/// write that was rolled back); must return at once and never throw (a metric must not fail a request).
public protocol OperationsObserver: Sendable {
    /// Records `event`.
    func observe(_ event: OperationalEvent)
}

/// Observes nothing: the default of services built without an observer (tests, CLI commands).
public struct NoOperationsObserver: OperationsObserver {
    public init() {}
    public func observe(_ event: OperationalEvent) {}
}
