import Foundation

extension AdminService {
    /// The recovery configuration of a tenant (an empty one when none was applied).
    public func recoveryConfig(tenantName: String, caller: Caller) async throws -> RecoveryConfig {
        try authorizer.require(.configRead, caller)
        let tenant = try await tenant(tenantName, caller: caller)
        return try await storage.recoveryConfig(tenantID: tenant.id) ?? RecoveryConfig()
    }

    /// Validates and stores a tenant's recovery configuration. Returns whether it changed (applying the same
    /// configuration twice is a no-op). A configuration with problems is refused whole: nothing changes.
    @discardableResult
    public func applyRecoveryConfig(tenantName: String, _ config: RecoveryConfig, caller: Caller) async throws -> Bool {
        try authorizer.require(.configWrite, caller)
        let tenant = try await tenant(tenantName, caller: caller)
        var problems = config.problems()
        // Why here and not only when a flow uses it: a tenant naming a connection it may not use, or a subtree
        // outside the operator's, is refused before anything is stored (and without connecting anywhere).
        if problems.isEmpty { problems = await directories.problems(config.directory, tenant: tenant.name) }
        guard problems.isEmpty else {
            throw LifelineError(.invalidRequest, problems.map(\.description).joined(separator: "; "))
        }
        let before = try await storage.recoveryConfig(tenantID: tenant.id)?.offline ?? OfflinePolicy()
        let changed = try await storage.putRecoveryConfig(tenantID: tenant.id, config: config,
                                                          audit: audit(caller, tenant: tenant.name, subject: tenant.name, event: "recovery.configure"))
        // Issue 17: a change of the offline policy discards every offline data issued under the old one. After the
        // configuration is stored; a crash in between is covered by the refill's own check of the policy fingerprint.
        // Why a cast: the offline rows are a port of their own that the administration does not otherwise need.
        if before.fingerprint != config.offline.fingerprint, let offline = storage as? any OfflineStore {
            _ = try await offline.endGrants(tenantID: tenant.id, userID: nil, reason: "policy_changed", now: clock.now(),
                                            audit: audit(caller, tenant: tenant.name, subject: tenant.name, event: "offline.policy_revoke"))
        }
        return changed
    }

    /// Replaces a user's security answers (question id → answer); each question must be in the tenant's catalog.
    /// The answers are normalized and hashed slowly; they are never stored or returned in clear.
    public func setSecurityAnswers(tenantName: String, username: String, answers: [String: String], caller: Caller) async throws {
        try authorizer.require(.usersWrite, caller)
        let (tenant, user) = try await user(tenantName: tenantName, username: username, caller: caller)
        let config = try await storage.recoveryConfig(tenantID: tenant.id) ?? RecoveryConfig()
        let known = Set(config.questions.map(\.id))
        var hashes: [String: String] = [:]
        for (id, answer) in answers {
            guard known.contains(id) else { throw LifelineError(.invalidRequest, "question '\(id)' is not in the tenant's catalog") }
            let normalized = SecurityAnswer.normalize(answer)
            // Why a minimum: one- or two-letter answers are guessed within the wrong-answer limit.
            // Why also bytes: combining marks make one Character any size, and every answer is hashed slowly.
            guard (3...256).contains(normalized.count), normalized.utf8.count <= 1024 else {
                throw LifelineError(.invalidRequest, "each answer must be 3 to 256 characters and at most 1024 bytes")
            }
            let random = self.random
            hashes[id] = try await SlowHash.offloaded { try SecurityAnswer.hash(answer, random: random) }
        }
        try await storage.setAnswers(userID: user.id, hashes: hashes,
                                     audit: audit(caller, tenant: tenant.name, subject: user.username, event: "user.answers", reason: "\(hashes.count) answers"))
    }

    /// The question ids a user has answered (never the answers).
    public func answeredQuestions(tenantName: String, username: String, caller: Caller) async throws -> [String] {
        try authorizer.require(.usersRead, caller)
        let (_, user) = try await user(tenantName: tenantName, username: username, caller: caller)
        return try await storage.answerHashes(userID: user.id).keys.sorted()
    }
}
