import Foundation

/// An unblocking code (UBC) of one user at one organization: 8 digits from the CSPRNG, sealed (the server must read it
/// back to open a 9-digit offline unblock code), at most one per (tenant, user).
public struct AuthenticatorUBC: Sendable, Equatable, Identifiable {
    public var id: UUID
    public var tenantID: UUID
    public var userID: UUID
    /// The 8 digits, sealed under ``AuthenticatorSealing/ubcContext(ubcID:tenantID:userID:)``.
    public var code: SealedSecret
    /// Wrong entries (online or offline); ``AuthenticatorRules/maxUBCFailures`` block it.
    public var failures: Int
    public var createdAt: Date
    public var expiresAt: Date
    /// Who displayed it.
    public var issuedBy: String

    public init(id: UUID, tenantID: UUID, userID: UUID, code: SealedSecret, failures: Int = 0, createdAt: Date, expiresAt: Date, issuedBy: String) {
        self.id = id; self.tenantID = tenantID; self.userID = userID; self.code = code; self.failures = failures
        self.createdAt = createdAt; self.expiresAt = expiresAt; self.issuedBy = issuedBy
    }

    /// Whether it is blocked (three wrong entries): a new one must be displayed.
    public var blocked: Bool { failures >= AuthenticatorRules.maxUBCFailures }

    /// Whether it can still unblock at `now`: unexpired and not blocked.
    public func usable(at now: Date) -> Bool { !blocked && expiresAt > now }
}
