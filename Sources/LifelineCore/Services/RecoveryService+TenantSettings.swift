import Foundation

extension RecoveryService {
    /// The recovery configuration of the tenant `tenantName`, or nil when there is no such tenant or it has none: what
    /// the web pages show before a flow (the password rules, the self-service URL).
    public func recoveryConfig(tenantName: String) async throws -> RecoveryConfig? {
        guard let tenant = try await storage.tenant(named: tenantName) else { return nil }
        return try await storage.recoveryConfig(tenantID: tenant.id)
    }
}
