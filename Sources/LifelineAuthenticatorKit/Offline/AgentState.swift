import Foundation

/// What a laptop agent keeps: per user (key ``AgentState/key(tenant:user:)``) the offline data the server issued for
/// this machine, its refill token, and the local verifier's counters. Never a passcode or PIN.
///
/// It holds secrets (the refill token extends the data without a passcode; the tags are what an offline attack
/// searches), so it lives in a 0600 file (``FileAgentStateStore``) or an app's Keychain item.
public struct AgentState: Codable, Sendable, Equatable {
    /// The format's version (1).
    public var version: Int
    /// The users' entries by ``key(tenant:user:)``.
    public var users: [String: AgentUserState]

    /// An empty state.
    public init(users: [String: AgentUserState] = [:]) { self.version = 1; self.users = users }

    /// The key of a user's entry: `tenant/user`, lower-cased (why: the server compares usernames case-insensitively,
    /// so `Ada` and `ada` must not hold two windows with separate failure counters).
    public static func key(tenant: String, user: String) -> String { "\(tenant.lowercased())/\(user.lowercased())" }

    /// The key of the entry that `name` designates: `tenant/user` exactly, or a bare `user` held at one tenant only.
    /// Throws ``AgentClientError/ambiguousUser(_:)`` when a bare name is held at several tenants; nil when none.
    public func key(for name: String) throws -> String? {
        let lowered = name.lowercased()
        if users[lowered] != nil { return lowered }
        let matching = users.keys.filter { $0.split(separator: "/", maxSplits: 1).last.map(String.init) == lowered }.sorted()
        if matching.count > 1 { throw AgentClientError.ambiguousUser(name) }
        return matching.first
    }
}

/// One user's entry in the ``AgentState``.
public struct AgentUserState: Codable, Sendable, Equatable {
    /// The offline data (``OfflineConstruction``).
    public var data: OfflineData
    /// The refill token of `data` (rotated at every refill); nil when the server gave none.
    public var refillToken: String?
    /// The last time step accepted offline; a step at or below it is refused (replay). Starts at `firstStep - 1`.
    public var lastStep: Int64
    /// Consecutive rejected passcodes; at `data.maxFailures` the entry is wiped.
    public var failures: Int
    /// A fingerprint of the agent key that downloaded the data (``AgentClient/keyID(_:)``), so that a 401 for that
    /// key wipes its data and a 401 for a mistyped key wipes nothing.
    public var keyID: String?
    /// The server it came from (base URL).
    public var server: String?
    /// When it was stored (Unix seconds).
    public var storedAt: Int64?

    enum CodingKeys: String, CodingKey {
        case data, failures, server
        case refillToken = "refill_token", lastStep = "last_step", keyID = "key_id", storedAt = "stored_at"
    }

    /// An entry for newly downloaded data: no step used yet, no failures.
    public init(data: OfflineData, refillToken: String?, keyID: String? = nil, server: String? = nil, storedAt: Int64? = nil) {
        self.data = data; self.refillToken = refillToken; self.lastStep = data.firstStep - 1; self.failures = 0
        self.keyID = keyID; self.server = server; self.storedAt = storedAt
    }
}
