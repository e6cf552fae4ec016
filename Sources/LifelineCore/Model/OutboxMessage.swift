import Foundation

/// How a message reaches a person.
public enum MessageChannel: String, Sendable, Codable, CaseIterable {
    case sms, email
}

/// Where a message is in its life in the outbox.
public enum OutboxStatus: String, Sendable, Codable {
    /// Waiting to be sent (possibly after a failed attempt, at `nextAttemptAt`).
    case pending
    /// Claimed by a dispatcher until `leaseUntil`; if that passes, the message is claimable again.
    case sending
    /// Handed to the provider.
    case sent
    /// Given up on (permanent error or too many attempts).
    case failed
    /// Written only so that a decoy flow costs the same as a real one; never sent.
    case suppressed
}

/// A message waiting in (or done with) the outbox. The body holds a one-time code, so it is sealed at rest
/// (AES-GCM under the key vault, with the message id as associated data) and wiped once sent.
public struct OutboxMessage: Sendable, Equatable, Identifiable {
    public var id: UUID
    public var tenant: String
    public var channel: MessageChannel
    /// An E.164 number or an email address.
    public var recipient: String
    /// Email subject (empty for SMS).
    public var subject: String
    /// The sealed text of the message; nil once sent and wiped.
    public var body: SealedSecret?
    public var status: OutboxStatus
    public var attempts: Int
    public var nextAttemptAt: Date
    public var leaseUntil: Date?
    public var lastError: String
    public var createdAt: Date
    public var sentAt: Date?

    public init(id: UUID, tenant: String, channel: MessageChannel, recipient: String, subject: String, body: SealedSecret?,
                status: OutboxStatus = .pending, attempts: Int = 0, nextAttemptAt: Date, leaseUntil: Date? = nil,
                lastError: String = "", createdAt: Date, sentAt: Date? = nil) {
        self.id = id; self.tenant = tenant; self.channel = channel; self.recipient = recipient; self.subject = subject
        self.body = body; self.status = status; self.attempts = attempts; self.nextAttemptAt = nextAttemptAt
        self.leaseUntil = leaseUntil; self.lastError = lastError; self.createdAt = createdAt; self.sentAt = sentAt
    }

    /// The associated data under which the body is sealed.
    public var sealContext: String { "outbox:" + id.uuidString.lowercased() }
}

/// A message ready for a provider, with its body opened.
public struct OutgoingMessage: Sendable, Equatable {
    public var id: UUID
    public var channel: MessageChannel
    public var recipient: String
    public var subject: String
    public var text: String

    public init(id: UUID, channel: MessageChannel, recipient: String, subject: String, text: String) {
        self.id = id; self.channel = channel; self.recipient = recipient; self.subject = subject; self.text = text
    }
}
