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
    /// The tenants, users and tokens, the tenants' policies, the offline rows, API keys, the audit log, and the
    /// transaction port (the notices of a reset or of online use switched on).
    public typealias Storage = TenantStore & UserStore & TokenStore & RecoveryStore & OfflineStore & APIKeyStore & AuditLog
        & TransactionStore

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

    /// The audit record of `event` by `caller` at `tenant` about `subject`.
    func record(_ caller: Principal, tenant: String, subject: String, event: String, outcome: String = "success", reason: String = "") -> AuditRecord {
        AuditRecord(time: clock.now(), tenant: tenant, actor: caller.actor, subject: subject, event: event, outcome: outcome, reason: reason,
                    source: caller.source)
    }
}
