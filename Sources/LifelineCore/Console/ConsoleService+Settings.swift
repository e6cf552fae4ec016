import Foundation

/// The result of checking a submitted configuration: the problems (none: it may be applied) and the diff against
/// the current one.
public struct SettingsCheck: Sendable {
    /// Each problem, with its line where known; empty when the text is valid.
    public var problems: [String]
    /// Current → submitted, line by line (empty when there are problems).
    public var diff: [LineDiff.Line]
    /// Whether applying would change anything.
    public var changed: Bool
}

extension ConsoleService {
    /// The most bytes a submitted configuration may have. Why 64 KiB: a recovery configuration is a few KiB, and
    /// the text is parsed and diffed in memory.
    public static let maxSettingsBytes = 65_536

    func settingsText() throws -> any RecoveryConfigText {
        guard let configText else { throw LifelineError(.notFound, "editing the configuration as YAML is not available on this server") }
        return configText
    }

    /// The tenant's recovery configuration as a tenant file. Needs `config.read`.
    public func settings(tenantName: String, caller: Caller) async throws -> (Tenant, String) {
        let config = try await admin.recoveryConfig(tenantName: tenantName, caller: caller)
        let tenant = try await admin.tenant(tenantName, caller: caller)
        return (tenant, try settingsText().text(of: config, tenant: tenant))
    }

    /// Validates `text` and compares it with the current configuration; changes nothing. Needs `config.read`.
    public func checkSettings(tenantName: String, text: String, caller: Caller) async throws -> SettingsCheck {
        let (tenant, current) = try await settings(tenantName: tenantName, caller: caller)
        guard text.utf8.count <= Self.maxSettingsBytes else { throw LifelineError(.invalidRequest, "the configuration is larger than 64 KiB") }
        let config: RecoveryConfig
        do { config = try settingsText().parse(text, tenant: tenant) } catch let e as LifelineError where e.code == .invalidRequest {
            return SettingsCheck(problems: e.message.components(separatedBy: "; "), diff: [], changed: false)
        }
        let normalized = try settingsText().text(of: config, tenant: tenant)
        let diff = try LineDiff.diff(current, normalized)
        return SettingsCheck(problems: [], diff: diff, changed: diff.contains { $0.kind != .same })
    }

    /// Validates and applies `text` (``AdminService/applyRecoveryConfig(tenantName:_:caller:)``: audited as
    /// `recovery.configure`, refused whole when anything is wrong). Returns whether it changed. Needs `config.write`.
    @discardableResult
    public func applySettings(tenantName: String, text: String, caller: Caller) async throws -> Bool {
        try authorizer.require(.configWrite, caller)
        let tenant = try await admin.tenant(tenantName, caller: caller)
        guard text.utf8.count <= Self.maxSettingsBytes else { throw LifelineError(.invalidRequest, "the configuration is larger than 64 KiB") }
        let config = try settingsText().parse(text, tenant: tenant)
        return try await admin.applyRecoveryConfig(tenantName: tenant.name, config, caller: caller)
    }
}
