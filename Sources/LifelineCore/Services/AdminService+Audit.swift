import Foundation

extension AdminService {
    /// The `limit` most recent audit events, of one tenant (`tenantName`) or of all; newest first. A tenant-scoped
    /// caller must name its tenant (why: the whole log holds every other tenant's events).
    public func auditEvents(tenantName: String?, limit: Int, caller: Caller) async throws -> [AuditEvent] {
        try authorizer.require(.auditRead, caller)
        var name = tenantName
        if let tenantName {
            name = try await tenant(tenantName, caller: caller).name
        } else if !caller.isGlobal {
            throw LifelineError(.invalidRequest, "a tenant key must name its tenant")
        }
        return try await storage.recentEvents(tenant: name, limit: limit)
    }
}
