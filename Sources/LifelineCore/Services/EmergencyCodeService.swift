import Crypto
import Foundation

/// Issues emergency access codes and reads or revokes a user's code. (Validation of a code is part of
/// ``ValidationService``: the code is accepted by `POST /validate` in place of the user's OTP.)
public struct EmergencyCodeService: Sendable {
    let storage: any Storage
    let vault: any KeyVault
    let clock: any LifelineClock
    let random: any RandomSource

    public init(storage: any Storage, vault: any KeyVault, clock: any LifelineClock, random: any RandomSource) {
        self.storage = storage; self.vault = vault; self.clock = clock; self.random = random
    }

    /// Issues a new emergency code for the user `userID` of `tenant` from `template`, replacing any earlier code of the
    /// user (which is revoked and audited in the same transaction), and audits `emergency_code.issue` (template id;
    /// never the code). Returns the code in display form — the only time it is available.
    ///
    /// Call it only after the user proved who they are (a verified recovery flow). `actor` and `source` go to the audit
    /// record (e.g. `anonymous` and the client address). Throws `notFound` when the user is not an active user of the
    /// tenant, `configuration` for a template that breaks the rules, and `actionUnavailable` when the template's
    /// `valid_until` has passed.
    public func issue(tenant: Tenant, userID: UUID, username: String, template: EmergencyCodeTemplate, actor: String,
                      source: String) async throws -> IssuedEmergencyCode {
        // Why re-check a template the configuration already passed: a code is a credential; an invalid template
        // (from an older version, or a store edited by hand) must not mint a weak one.
        let problems = template.problems(path: [])
        guard problems.isEmpty else {
            throw LifelineError(.configuration, "emergency-code template '\(template.id)': " + problems.map(\.description).joined(separator: "; "))
        }
        guard let user = try await storage.user(id: userID), user.tenantID == tenant.id, user.status == .active else {
            throw LifelineError(.notFound, "no such user")
        }
        let now = clock.now()
        let expiresAt = try template.expiry(issuedAt: now)
        // From the CSPRNG, uniform over the alphabet (rejection sampling).
        let code = random.string(length: template.length, alphabet: template.alphabet.characters)
        let ring = try await vault.ring()
        let hash = EmergencyCodeFormat.hash(code: code, tenantID: tenant.id, userID: userID,
                                            key: ring.derivedKey(info: EmergencyCodeFormat.keyInfo))
        let state = EmergencyCodeState(userID: userID, templateID: template.id, issuedAt: now, expiresAt: expiresAt,
                                       maxUses: template.maxUses, usesLeft: template.maxUses)
        let audit = AuditRecord(time: now, tenant: tenant.name, actor: actor, subject: username, event: "emergency_code.issue",
                                outcome: "success", reason: "template \(template.id)", source: source)
        try await storage.putEmergencyCode(StoredEmergencyCode(tenantID: tenant.id, state: state, hash: hash, keyID: ring.currentID), audit: audit)
        return IssuedEmergencyCode(code: EmergencyCodeFormat.display(code), expiresAt: expiresAt, maxUses: template.maxUses, templateID: template.id)
    }

    /// The user's code as of now (an active code past its expiry reads `expired`), or nil when the user never had one.
    public func state(userID: UUID) async throws -> EmergencyCodeState? {
        try await storage.emergencyCode(userID: userID)?.state.resolved(at: clock.now())
    }

    /// Revokes the user's usable code with `reason`, audited as `emergency_code.revoke` by `actor`; returns the state
    /// afterwards (unchanged, and not audited, when the code was no longer usable). Throws `notFound` when the user
    /// never had a code.
    public func revoke(tenant: Tenant, userID: UUID, username: String, reason: String, actor: String, source: String) async throws -> EmergencyCodeState {
        let now = clock.now()
        let audit = AuditRecord(time: now, tenant: tenant.name, actor: actor, subject: username, event: "emergency_code.revoke",
                                outcome: "success", reason: reason, source: source)
        _ = try await storage.revokeEmergencyCode(userID: userID, reason: reason, audit: audit)
        guard let state = try await storage.emergencyCode(userID: userID)?.state else {
            throw LifelineError(.notFound, "this user has no emergency code")
        }
        return state.resolved(at: now)
    }
}
