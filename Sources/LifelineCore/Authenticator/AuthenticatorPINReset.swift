import Foundation

/// A PIN reset an operator holds open for a user at a tenant (seed 004, "Reset PIN with the user present"): until
/// `openUntil` the user's app may set a new PIN without the old one or a UBC. One per (tenant, user); single use.
public struct AuthenticatorPINReset: Sendable, Equatable {
    public var tenantID: UUID
    public var userID: UUID
    public var openedBy: String
    public var openUntil: Date

    public init(tenantID: UUID, userID: UUID, openedBy: String, openUntil: Date) {
        self.tenantID = tenantID; self.userID = userID; self.openedBy = openedBy; self.openUntil = openUntil
    }
}
