import Foundation

/// What an action's ``RecoveryAction/perform(_:input:)`` works with: the verified flow, its tenant and configuration,
/// the still-active user, and the shared steps every action takes (audit, claim, give back, finish).
public struct ActionContext: Sendable {
    /// The service's ports (storage, directories, vault) for the actions of this module.
    let service: RecoveryService
    /// The flow as loaded (after ``claim(counters:reason:)``: as stored by the claim).
    public internal(set) var flow: RecoveryFlow
    public let tenant: Tenant
    public let config: RecoveryConfig
    public let action: RecoveryActionID
    /// The user of the verified flow, re-checked to be active.
    public let user: User
    public let now: Date
    /// The client's address, for audit records.
    public let source: String

    var storage: any RecoveryService.Storage { service.storage }

    /// An audit record of this action (`recovery.<id>`).
    public func audit(_ outcome: String, _ reason: String) -> AuditRecord {
        AuditRecord(time: now, tenant: tenant.name, actor: "anonymous", subject: flow.username, event: "recovery.\(action.rawValue)",
                    outcome: outcome, reason: reason, source: source)
    }

    /// Appends a "refused" audit record (a check failed before anything was claimed).
    public func refused(_ reason: String) async throws {
        try await service.storage.append(audit("refused", reason))
    }

    /// A translated detail of a refusal, in the flow's language.
    public func detail(_ id: String, _ args: [String: String] = [:]) -> FlowText {
        FlowText(id: id, text: service.catalog.text(id, flow.language, args))
    }
}

/// What ``RecoveryAction/unavailableReason(_:)`` may look at: the verified flow's user and tenant, and the user's
/// directory account (looked up once per document, however many actions ask).
public struct ActionCheck: Sendable {
    let service: RecoveryService
    public let flow: RecoveryFlow
    public let tenant: Tenant
    public let config: RecoveryConfig
    public let user: User
    let directoryLookup: DirectoryAccountLookup

    var storage: any RecoveryService.Storage { service.storage }

    /// The user's account in the tenant's directory: nil when there is none; throws when the directory cannot be reached.
    func directoryAccount() async throws -> DirectoryAccount? {
        try await directoryLookup.account { [service, tenant, config, user] in
            let directory = try await service.directories.directory(tenant: tenant, settings: config.directory)
            return try await directory.account(username: user.username)
        }.get()
    }
}

/// One directory lookup shared by the availability checks of one document.
actor DirectoryAccountLookup {
    private var result: Result<DirectoryAccount?, any Error>?

    func account(_ lookup: @Sendable () async throws -> DirectoryAccount?) async -> Result<DirectoryAccount?, any Error> {
        if let result { return result }
        let fresh: Result<DirectoryAccount?, any Error>
        do { fresh = .success(try await lookup()) } catch { fresh = .failure(error) }
        result = fresh
        return fresh
    }
}
