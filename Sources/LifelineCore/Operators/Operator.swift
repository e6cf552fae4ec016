import Foundation

/// Whether an operator may log in.
public enum OperatorState: String, Sendable, Codable {
    /// Created; waits for its enrolment (password and TOTP). Cannot log in.
    case pending
    /// Enrolled; may log in.
    case active
    /// Switched off by another operator or the CLI; cannot log in, and its sessions were ended.
    case disabled
}

/// An operator of the console: a person with an account of their own (not an API key), a role among
/// ``Role/operatorRoles`` scoped to one or more tenants (a superuser to all), a password (slow hash) and a TOTP
/// secret (sealed like token secrets). Login always takes all three: name, password and TOTP.
public struct Operator: Sendable, Equatable, Identifiable {
    public var id: UUID
    /// The login name: lowercase `a-z 0-9 . _ -`, 1–64 characters (``OperatorRules/name(_:)``).
    public var name: String
    public var role: Role
    /// The tenants the operator acts in; empty for a superuser (global).
    public var tenantIDs: Set<UUID>
    public var state: OperatorState
    /// `scrypt$…` (``SlowHash``); nil until enrolled.
    public var passwordHash: String?
    /// The TOTP secret, sealed with the token secrets' key (context: ``secretContext``); nil only for a row that was never
    /// given one.
    public var totpSecret: SealedSecret?
    /// The last TOTP step accepted (enrolment, login or re-authentication); nothing at or below it is accepted again.
    public var lastTOTPStep: Int64?
    /// Consecutive failed logins (wrong password or code) since the last success.
    public var failCount: Int
    /// Until when logins are refused unchecked (``OTPPolicy/throttleDelay(afterFailures:)``, like tokens).
    public var throttledUntil: Date?
    public var createdAt: Date
    /// The audit actor that created the operator (`cli`, `operator:<name>`, `apikey:<id>`, `demo`).
    public var createdBy: String

    public init(id: UUID, name: String, role: Role, tenantIDs: Set<UUID>, state: OperatorState = .pending, passwordHash: String? = nil,
                totpSecret: SealedSecret? = nil, lastTOTPStep: Int64? = nil, failCount: Int = 0, throttledUntil: Date? = nil,
                createdAt: Date, createdBy: String) {
        self.id = id; self.name = name; self.role = role; self.tenantIDs = tenantIDs; self.state = state
        self.passwordHash = passwordHash; self.totpSecret = totpSecret; self.lastTOTPStep = lastTOTPStep
        self.failCount = failCount; self.throttledUntil = throttledUntil; self.createdAt = createdAt; self.createdBy = createdBy
    }

    /// The AES-GCM associated data of the TOTP secret: bound to this operator, so a sealed secret copied onto another
    /// operator's row does not open there.
    public var secretContext: String { "operator:" + id.uuidString }

    /// The principal this operator acts as. Why `tenants: nil` only for a superuser: every other role is scoped to its
    /// organizations, and an operator with no tenant (a row edited by hand) gets an empty scope, never a global one.
    public func principal(source: String) -> Principal {
        Principal(.operator(name: name), source: source, roles: [role], tenants: role == .superuser ? nil : tenantIDs)
    }

    /// Whether logins are refused unchecked at `now`.
    public func isThrottled(at now: Date) -> Bool { throttledUntil.map { $0 > now } ?? false }

    /// The TOTP parameters of every operator: SHA-1, 6 digits, 30 s, as every authenticator app reads them.
    /// `lastUsed` carries ``lastTOTPStep`` so that ``OTPVerifier`` refuses a replayed code.
    public func totpToken() -> Token {
        Token(id: id, tenantID: id, userID: id, type: .totp, algorithm: .sha1, digits: 6, period: 30,
              lastUsed: lastTOTPStep, label: name, createdAt: createdAt)
    }
}
