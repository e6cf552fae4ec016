import Foundation

extension AdminService {
    /// The longest expiry a key may get (10 years): enough for any rotation policy, and it keeps every date
    /// arithmetic on it far from overflow.
    public static let maxAPIKeyLifetime: TimeInterval = 3650 * 86_400

    /// Creates an API key and returns it in full — the only time it is shown. `expiresAt`, when given, must lie in
    /// the future and at most ``maxAPIKeyLifetime`` ahead. The caller may give no role it does not hold itself.
    public func createAPIKey(role: Role, tenantName: String?, name: String, expiresAt: Date? = nil,
                             caller: Caller) async throws -> (APIKey, String) {
        try authorizer.require(.apiKeysManage, caller)
        try authorizer.requireGrant(role, by: caller)
        var tenantID: UUID? = nil
        if let tenantName { tenantID = try await tenant(tenantName, caller: caller).id }
        guard caller.isGlobal || (tenantID.map(caller.mayAccess) ?? false) else { throw LifelineError(.forbidden, "a tenant key may only create keys of its tenant") }
        let now = clock.now()
        if let expiresAt {
            guard expiresAt > now else { throw LifelineError(.invalidRequest, "the expiry must lie in the future") }
            guard expiresAt.timeIntervalSince(now) <= Self.maxAPIKeyLifetime else { throw LifelineError(.invalidRequest, "the expiry may lie at most 3650 days ahead") }
        }
        let (key, presented) = try makeAPIKey(role: role, tenantID: tenantID, name: name, expiresAt: expiresAt, createdBy: caller.actor, now: now)
        let id = key.id
        let reason = role.rawValue + (expiresAt.map { " expires \(Self.iso($0))" } ?? "")
        try await storage.insertAPIKey(key, audit: audit(caller, tenant: tenantName, subject: "apikey:\(id)", event: "apikey.create", reason: reason))
        return (key, presented)
    }

    /// A new API key (not stored) and its presented form `ll_<id>_<secret>`: the one piece of code that makes keys, for
    /// ``createAPIKey(role:tenantName:name:expiresAt:caller:)`` and the agents' keys (issue 17). Why 43 alphanumerics:
    /// 43 × log2(62) ≈ 256 bits from the CSPRNG; only the secret's hash is stored.
    func makeAPIKey(role: Role, tenantID: UUID?, name: String, expiresAt: Date?, createdBy: String, now: Date) throws -> (APIKey, String) {
        let id = random.string(length: 12, alphabet: RandomSourceAlphabet.alphanumerics)
        let secret = random.string(length: 43, alphabet: RandomSourceAlphabet.alphanumerics)
        let key = APIKey(id: id, name: try Validation.displayName(name), role: role, tenantID: tenantID, secretHash: APIKey.hash(secret: secret),
                         createdAt: now, expiresAt: expiresAt, createdBy: createdBy)
        return (key, "ll_\(id)_\(secret)")
    }

    /// The principal a presented API key stands for, or nil when it is unknown, wrong, revoked or expired.
    ///
    /// Why the store's lookup may be cached: it re-reads the row at least every 2 s, so a key revoked or deleted
    /// by any process is refused everywhere within that time (issue 13: within 5 s).
    public func authenticate(presentedKey: String, source: String) async throws -> Caller? {
        guard let (id, secret) = APIKey.parse(presentedKey), let key = try await storage.apiKey(id: id), key.matches(secret: secret) else {
            return nil
        }
        let now = clock.now()
        guard key.state(at: now) == .active else { return nil }
        // Advisory: a failure to note the use must not refuse a valid key (the store throttles it to once a minute).
        try? await storage.recordAPIKeyUse(key, at: now)
        return .apiKey(key, source: source)
    }

    /// The keys the caller may see, each with its tenant's name (nil: global): a global caller every key (or one
    /// tenant's with `tenantName`), a tenant key only its own tenant's, never a global key.
    public func listAPIKeys(tenantName: String?, caller: Caller) async throws -> [(key: APIKey, tenant: String?)] {
        try authorizer.require(.apiKeysManage, caller)
        let names = Dictionary(uniqueKeysWithValues: try await storage.tenants().map { ($0.id, $0.name) })
        let keys: [APIKey]
        if let tenantName {
            keys = try await storage.apiKeys(tenantID: try await tenant(tenantName, caller: caller).id)
        } else if let own = caller.tenants {
            var mine: [APIKey] = []
            for tenant in own.sorted(by: { $0.uuidString < $1.uuidString }) { mine += try await storage.apiKeys(tenantID: tenant) }
            keys = mine
        } else {
            keys = try await storage.apiKeys(tenantID: nil)
        }
        return keys.map { ($0, $0.tenantID.flatMap { names[$0] }) }
    }

    /// Revokes key `id` (idempotent: revoking a revoked key changes nothing and is not audited again).
    ///
    /// Why a tenant key sees every key outside its tenant as "not found": it must neither learn of nor touch a
    /// global key or another tenant's. A key may revoke itself (the holder of a leaked key can end it at once);
    /// a tenant's last admin key doing so leaves the tenant to a global administrator, which is the point.
    public func revokeAPIKey(id: String, caller: Caller) async throws -> (key: APIKey, tenant: String?) {
        try authorizer.require(.apiKeysManage, caller)
        guard APIKey.isValidID(id) else { throw LifelineError(.invalidRequest, "an API key id is 12 letters and digits (the part between ll_ and the next _)") }
        // The tenant of a key never changes, so a cached row is good enough to authorize the revocation.
        guard let key = try await storage.apiKey(id: id), caller.isGlobal || (key.tenantID.map(caller.mayAccess) ?? false) else {
            throw LifelineError(.notFound, "no such API key")
        }
        let owner = try await tenantName(key.tenantID)
        let record = audit(caller, tenant: owner, subject: "apikey:\(id)", event: "apikey.revoke", reason: key.role.rawValue)
        guard let (stored, _) = try await storage.revokeAPIKey(id: id, at: clock.now(), audit: record) else {
            throw LifelineError(.notFound, "no such API key")
        }
        return (stored, owner)
    }

    /// Revokes every live key that demo mode created (actor `demo`), so that restarts do not pile up live
    /// global admin keys; each revocation is audited. Returns how many it revoked.
    public func revokeDemoKeys(caller: Caller) async throws -> Int {
        try authorizer.require(.apiKeysManage, caller)
        var count = 0
        for key in try await storage.apiKeys(tenantID: nil) where key.createdBy == "demo" && key.revokedAt == nil {
            let owner = try await tenantName(key.tenantID)
            let record = audit(caller, tenant: owner, subject: "apikey:\(key.id)", event: "apikey.revoke", reason: "demo restart")
            if let (_, revoked) = try await storage.revokeAPIKey(id: key.id, at: clock.now(), audit: record), revoked { count += 1 }
        }
        return count
    }

    static func iso(_ date: Date) -> String { date.formatted(.iso8601) }

    /// The name of tenant `id`, or nil for a global key (or a tenant gone since).
    private func tenantName(_ id: UUID?) async throws -> String? {
        guard let id else { return nil }
        return try await storage.tenant(id: id)?.name
    }
}
