import Foundation

/// Issues, reads and revokes a user's saved recovery codes (docs/recovery-codes.md), for the admin API, the CLI and the
/// `new-recovery-codes` action. A code is *used* through the credential registry (``RecoveryCodeCredential``), by
/// `POST /validate` and by the `recovery_code` flow method alike.
public struct RecoveryCodeService: Sendable {
    let storage: any RecoveryCodeService.Storage
    let vault: any KeyVault
    let clock: any LifelineClock
    let random: any RandomSource
    /// nil: ``SlowHashPool/shared`` as it is at each use.
    let hashPool: SlowHashPool?
    let onQueued: @Sendable () -> Void

    public init(storage: any RecoveryCodeService.Storage, vault: any KeyVault, clock: any LifelineClock, random: any RandomSource,
                hashPool: SlowHashPool? = nil, onQueued: @escaping @Sendable () -> Void = {}) {
        self.storage = storage; self.vault = vault; self.clock = clock; self.random = random
        self.hashPool = hashPool; self.onQueued = onQueued
    }

    /// Issues a new set of ``RecoveryCodeFormat/codesPerSet`` codes for `user` of `tenant`, replacing (and so invalidating)
    /// any earlier set, audits `recovery_codes.issue` (never a code) and queues a notice to the user's verified contacts.
    /// Returns the codes in printed form — the only time they are available. Throws `notFound` when `user` is not an
    /// active user of the tenant.
    public func issue(tenant: Tenant, user: User, actor: String, source: String = "") async throws -> [String] {
        guard let stored = try await storage.user(id: user.id), stored.tenantID == tenant.id, stored.status == .active else {
            throw LifelineError(.notFound, "no such user")
        }
        let now = clock.now()
        let codes = RecoveryCodeFormat.newSet(random: random)
        var rows: [StoredRecoveryCode] = []
        for code in codes {
            let input = RecoveryCodeFormat.hashInput(code: code, userID: user.id)
            // Each hash with its own 16-byte salt from the CSPRNG; not refusable: an administrator's request waits its turn.
            let hash = try await SlowHash.offloaded(pool: hashPool ?? .shared) { [random] in try SlowHash.hash(input, random: random) }
            rows.append(StoredRecoveryCode(lookup: RecoveryCodeFormat.lookup(code), hash: hash))
        }
        let set = RecoveryCodeSet(userID: user.id, tenantID: tenant.id, setID: random.uuid(), issuedAt: now, total: codes.count, remaining: codes.count)
        let audit = AuditRecord(time: now, tenant: tenant.name, actor: actor, subject: stored.username, event: "recovery_codes.issue",
                                outcome: "success", reason: "\(codes.count) codes", source: source)
        let outbox = try await RecoveryCodeNotices(storage: storage, vault: vault).issued(user: stored, tenant: tenant, count: codes.count, now: now)
        try await storage.putRecoveryCodes(set, codes: rows, outbox: outbox, audit: audit)
        if !outbox.isEmpty { onQueued() }
        return codes.map(RecoveryCodeFormat.display)
    }

    /// The user's set as of now, or nil when the user never had one.
    public func set(userID: UUID) async throws -> RecoveryCodeSet? {
        try await storage.recoveryCodeSet(userID: userID)
    }

    /// How many of the user's codes can still be used (0: none, a revoked set, or never issued).
    public func remaining(userID: UUID) async throws -> Int {
        try await set(userID: userID)?.usable ?? 0
    }

    /// Revokes the user's active set with `reason`, audited as `recovery_codes.revoke`. Returns whether a set was revoked.
    public func revoke(tenant: Tenant, user: User, reason: String, actor: String, source: String = "") async throws -> Bool {
        let audit = AuditRecord(time: clock.now(), tenant: tenant.name, actor: actor, subject: user.username, event: "recovery_codes.revoke",
                                outcome: "success", reason: reason, source: source)
        return try await storage.revokeRecoveryCodes(userID: user.id, reason: reason, audit: audit)
    }
}
