import Foundation
import LifelineCore
import Yams

/// The console's YAML form of a tenant's recovery configuration (``RecoveryConfigText``): the tenant file that
/// `lifeline tenant apply -f` reads, parsed and checked by ``TenantFile/parse(_:)`` (errors name the line).
public struct TenantFileText: RecoveryConfigText {
    public init() {}

    struct Out: Encodable {
        let tenant: String, displayName: String, recovery: RecoveryConfig
        enum CodingKeys: String, CodingKey { case tenant, displayName = "display_name", recovery }
    }

    public func text(of config: RecoveryConfig, tenant: Tenant) throws -> String {
        try YAMLEncoder().encode(Out(tenant: tenant.name, displayName: tenant.displayName, recovery: config))
    }

    public func parse(_ text: String, tenant: Tenant) throws -> RecoveryConfig {
        let file = try TenantFile.parse(text)
        // Why: the page edits one organization; a file naming another must not be applied to this one by mistake.
        guard file.tenant == tenant.name else {
            throw LifelineError(.invalidRequest, "the file names tenant '\(file.tenant)', but this is the configuration of '\(tenant.name)'")
        }
        return file.recovery
    }
}
