import Foundation

/// The message outbox. Messages are inserted by the flow store in the same transaction as the flow change that
/// causes them (see ``FlowStore``); this port is the dispatcher's side.
///
/// Contract: ``claim(now:lease:limit:)`` is atomic per message — two dispatchers (even in two processes) never
/// claim the same message at once; a claim whose lease ran out (a crashed dispatcher) can be claimed again, so no
/// message is lost across a restart. ``markSent(id:attempt:at:)`` wipes the body.
///
/// Fencing: a claim's `attempts` (after the increment) is its token. `markSent`/`markFailed` apply only while the
/// message is still `sending` under that attempt, so a dispatcher whose lease ran out cannot overwrite what the
/// next claimant recorded (e.g. put a sent message back to pending). They return whether they applied.
public protocol OutboxStore: Sendable {
    /// Claims up to `limit` messages that are `pending` with `nextAttemptAt <= now`, or `sending` with an expired
    /// lease; sets them `sending` with `leaseUntil = now + lease` and one more attempt; returns them.
    func claim(now: Date, lease: TimeInterval, limit: Int) async throws -> [OutboxMessage]
    /// Records a successful hand-over: `sent`, `sentAt`, body wiped.
    @discardableResult
    func markSent(id: UUID, attempt: Int, at: Date) async throws -> Bool
    /// Records a failed attempt: back to `pending` at `retryAt`, or `failed` when `retryAt` is nil. `error` is
    /// shown to operators: a short reason, never message text.
    @discardableResult
    func markFailed(id: UUID, attempt: Int, error: String, retryAt: Date?) async throws -> Bool
    /// Newest first (for the development outbox and diagnostics).
    func recentMessages(limit: Int) async throws -> [OutboxMessage]
}

/// Why a send failed, so the dispatcher knows whether to retry.
public struct DeliveryError: Error, Sendable, CustomStringConvertible {
    /// True when retrying cannot help (rejected recipient, bad credentials, 4xx from a gateway).
    public var permanent: Bool
    /// A description safe to store: never the message text.
    public var message: String
    public init(permanent: Bool, _ message: String) { self.permanent = permanent; self.message = message }
    public var description: String { message }
}

/// Hands one message to a provider (SMTP server, SMS gateway, development outbox).
///
/// Contract: returns when the provider accepted the message; throws ``DeliveryError`` otherwise. Must not log
/// the message text (it holds a one-time code).
public protocol MessageSender: Sendable {
    func send(_ message: OutgoingMessage) async throws
}
