import Foundation

extension AdminService {
    /// The newest audit events, newest first, at most `limit`, of the tenant `tenantName` or (nil) of all. The caller
    /// resolves and checks the tenant name first (``tenant(_:caller:)``); a tenant-scoped caller must name its tenant.
    public func recentEvents(tenantName: String?, limit: Int, caller: Caller) async throws -> [AuditEvent] {
        try await storage.recentEvents(tenant: tenantName, limit: limit)
    }
}
