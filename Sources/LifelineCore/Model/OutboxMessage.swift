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

/// Which associated data an outbox body was sealed under (``OutboxMessage/sealContext``), kept with the row.
public enum OutboxSealFormat: Int, Sendable, Codable, CaseIterable {
    /// Rows written before issue 13 item 10: the message id only. Read, never written.
    case legacy = 1
    /// The message id, tenant, channel, recipient and subject: every field that says where the text goes.
    case bound = 2
}

/// A message waiting in (or done with) the outbox. The body holds a one-time code, so it is sealed at rest
/// (AES-GCM under the key vault, with the row's id, tenant, channel, recipient and subject as associated data)
/// and wiped once sent.
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
    /// The associated data the body is sealed under; new messages are always ``OutboxSealFormat/bound``.
    public var sealFormat: OutboxSealFormat

    public init(id: UUID, tenant: String, channel: MessageChannel, recipient: String, subject: String, body: SealedSecret?,
                status: OutboxStatus = .pending, attempts: Int = 0, nextAttemptAt: Date, leaseUntil: Date? = nil,
                lastError: String = "", createdAt: Date, sentAt: Date? = nil, sealFormat: OutboxSealFormat = .bound) {
        self.id = id; self.tenant = tenant; self.channel = channel; self.recipient = recipient; self.subject = subject
        self.body = body; self.status = status; self.attempts = attempts; self.nextAttemptAt = nextAttemptAt
        self.leaseUntil = leaseUntil; self.lastError = lastError; self.createdAt = createdAt; self.sentAt = sentAt
        self.sealFormat = sealFormat
    }

    /// The associated data under which the body is sealed, for this row's ``sealFormat``.
    ///
    /// Why the recipient, channel, tenant and subject are in it: someone who can write the database but not read
    /// the key file must not be able to send a sealed code to their own number or mailbox by editing the row; any
    /// such edit makes AES-GCM authentication fail and the dispatcher refuses the message. Why there is no fallback
    /// from the bound format to the legacy one: a writer could otherwise set a new row's format back to legacy and
    /// redirect it; a bound body does not open under the legacy context, so that edit fails too.
    public var sealContext: String {
        let id = id.uuidString.lowercased()
        switch sealFormat {
        case .legacy:
            return "outbox:" + id
        case .bound:
            // Each field with its UTF-8 length in front, so no two different rows give the same text.
            return ([id, tenant, channel.rawValue, recipient, subject].reduce("outbox.v2") { $0 + "|\($1.utf8.count):" + $1 })
        }
    }
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
