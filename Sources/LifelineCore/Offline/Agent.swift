import Foundation

/// A machine (a laptop) registered as an agent of an organization (issue 17): it authenticates its users online through
/// `POST /api/v1/agent/authenticate` with its own API key (role `agent`) and keeps their offline data.
public struct Agent: Sendable, Equatable, Identifiable {
    public var id: UUID
    public var tenantID: UUID
    /// Unique per tenant among agents that are not revoked (case-insensitively), 1–64 printable characters.
    public var name: String
    /// The id of the agent's API key (role `agent`, scoped to the tenant). Revoking the agent revokes the key.
    public var apiKeyID: String
    public var createdAt: Date
    /// The audit actor that registered it (`cli`, `operator:<name>`, `apikey:<id>`).
    public var createdBy: String
    /// When it last called the agent API (to about a minute); nil: never.
    public var lastSeenAt: Date?
    /// When it was revoked; nil: live.
    public var revokedAt: Date?

    public init(id: UUID, tenantID: UUID, name: String, apiKeyID: String, createdAt: Date, createdBy: String,
                lastSeenAt: Date? = nil, revokedAt: Date? = nil) {
        self.id = id; self.tenantID = tenantID; self.name = name; self.apiKeyID = apiKeyID; self.createdAt = createdAt
        self.createdBy = createdBy; self.lastSeenAt = lastSeenAt; self.revokedAt = revokedAt
    }
}

/// An agent just registered: the record and its API key as presented (`ll_<id>_<secret>`), shown once.
public struct RegisteredAgent: Sendable, Equatable {
    public var agent: Agent
    public var key: String
    public init(agent: Agent, key: String) { self.agent = agent; self.key = key }
}
