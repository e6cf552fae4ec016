import Foundation

/// Who is calling a service, for authorization and the audit log.
public struct Caller: Sendable, Equatable {
    /// The audit actor (`apikey:<id>`, `cli`, `system`).
    public var actor: String
    /// The client address, or empty.
    public var source: String
    /// The scope of the credential used.
    public var scope: APIKeyScope
    /// The tenant the credential is limited to, or nil for a global one.
    public var tenantID: UUID?

    public init(actor: String, source: String = "", scope: APIKeyScope, tenantID: UUID? = nil) {
        self.actor = actor; self.source = source; self.scope = scope; self.tenantID = tenantID
    }

    /// The command line: an operator with access to the database is a global administrator.
    public static let cli = Caller(actor: "cli", scope: .admin)

    /// Whether this caller may act on `tenant`.
    public func mayAccess(_ tenant: UUID) -> Bool { tenantID == nil || tenantID == tenant }
}
