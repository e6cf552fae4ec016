import Foundation
import LifelineAuthenticatorKit

/// Offline authentication on the server (issue 17, seed 003): agents, online authentication through an agent with the
/// download of offline data, refills, the tokens' offline emergency access tokencodes. These signatures are what the
/// HTTP adapter, the console and the CLI call.
///
/// Errors: unknown tenant/user/token for an operator → `notFound` (after the scope check); a revoked or unknown agent
/// behind an agent key → `unauthorized`; malformed input → `invalidRequest`. An agent authentication's outcome is an
/// answer (`accept`/`reject`), never an error, and is the same for an unknown user as for a wrong passcode.
public struct OfflineService: Sendable {
    /// The tenants, users and tokens, the tenants' policies, the offline rows, API keys and the audit log.
    public typealias Storage = TenantStore & UserStore & TokenStore & RecoveryStore & OfflineStore & APIKeyStore & AuditLog

    let admin: AdminService
    let validation: ValidationService
    let storage: any Storage
    let onQueued: @Sendable () -> Void

    var vault: any KeyVault { admin.vault }
    var clock: any LifelineClock { admin.clock }
    var random: any RandomSource { admin.random }
    var authorizer: Authorizer { admin.authorizer }

    /// `validation` checks the online passcode (the credential registry, counted like `/validate`); `admin` resolves
    /// tenants and users for operators and brings the vault, clock and CSPRNG; `onQueued` wakes the outbox dispatcher.
    public init(admin: AdminService, validation: ValidationService, storage: any Storage, onQueued: @escaping @Sendable () -> Void = {}) {
        self.admin = admin; self.validation = validation; self.storage = storage; self.onQueued = onQueued
    }

    // MARK: agents (permission agents.manage / agents.read)

    /// Registers `name` as an agent of `tenantName` with a new API key of role `agent` (audited `agent.register`).
    public func registerAgent(tenantName: String, name: String, caller: Principal) async throws -> RegisteredAgent {
        throw LifelineError(.unavailable, "not built yet")
    }
    /// The tenant's agents, by name.
    public func agents(tenantName: String, caller: Principal) async throws -> [Agent] {
        throw LifelineError(.unavailable, "not built yet")
    }
    /// Revokes the agent (its key and its machines' offline data end; audited `agent.revoke`). Unknown → `notFound`.
    public func revokeAgent(tenantName: String, agentID: UUID, caller: Principal) async throws {
        throw LifelineError(.unavailable, "not built yet")
    }

    // MARK: the agent API (permission agent.authenticate; the caller is the agent's key)

    /// `POST /api/v1/agent/authenticate`.
    public func authenticate(_ request: OfflineWire.AuthenticateRequest, caller: Principal) async throws -> OfflineWire.AuthenticateResponse {
        throw LifelineError(.unavailable, "not built yet")
    }
    /// `POST /api/v1/agent/refill`.
    public func refill(_ request: OfflineWire.RefillRequest, caller: Principal) async throws -> OfflineWire.AuthenticateResponse {
        throw LifelineError(.unavailable, "not built yet")
    }

    // MARK: operators: offline windows and emergency tokencodes

    /// The user's issued windows, newest first (permission agents.read).
    public func grants(tenantName: String, username: String, caller: Principal) async throws -> [OfflineGrantView] {
        throw LifelineError(.unavailable, "not built yet")
    }
    /// Ends every live window of the user (permission agents.manage; audited `offline.revoke`): their machines wipe the
    /// data at the next contact. Returns how many ended.
    public func revokeGrants(tenantName: String, username: String, caller: Principal) async throws -> Int {
        throw LifelineError(.unavailable, "not built yet")
    }
    /// The token's offline emergency access tokencodes (permission offline_codes.read; audited `offline_code.view`,
    /// since it shows a secret).
    public func emergencyCodes(tenantName: String, tokenID: UUID, caller: Principal) async throws -> OfflineEmergencyView {
        throw LifelineError(.unavailable, "not built yet")
    }
    /// "Reset offline emergency access tokencode": new codes, downloaded at the user's next online authentication
    /// (permission offline_codes.manage; audited `offline_code.reset`, the user notified).
    public func resetEmergencyCodes(tenantName: String, tokenID: UUID, caller: Principal) async throws -> OfflineEmergencyView {
        throw LifelineError(.unavailable, "not built yet")
    }
    /// "Use offline code for online access" on or off (permission offline_codes.manage; audited `offline_code.online`,
    /// the user notified when switched on).
    public func setEmergencyOnlineUse(tenantName: String, tokenID: UUID, on: Bool, caller: Principal) async throws -> OfflineEmergencyView {
        throw LifelineError(.unavailable, "not built yet")
    }

    // MARK: groups (permission users.read / users.write)

    public func groups(tenantName: String, username: String, caller: Principal) async throws -> [String] {
        throw LifelineError(.unavailable, "not built yet")
    }
    /// Replaces the user's groups (audited `user.groups`). Names: ``UserGroups/isValidName(_:)``, at most
    /// ``UserGroups/maxPerUser``, duplicates (case-insensitive) merged.
    public func setGroups(tenantName: String, username: String, groups: [String], caller: Principal) async throws -> [String] {
        throw LifelineError(.unavailable, "not built yet")
    }
}
