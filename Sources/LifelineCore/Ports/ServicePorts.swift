import Foundation

// The ports each service needs: the composition root hands every service the one store (``LifelineStorage``), but a
// service sees only what it declares here. Why: a service's dependencies are then readable in one line, a test needs
// to fake only those, and a new feature that needs a new port adds it to the services that use it, not to all.

extension ValidationService {
    /// What a validation reads and writes: the user with their tokens, the emergency code (a wrong guess at it is
    /// counted through the transaction port), the audit log, and the Lifeline Authenticator's links (issue 16).
    public typealias Storage = TenantStore & UserStore & TokenStore & EmergencyCodeStore & RecoveryCodeStore & AuditLog & TransactionStore & RecoveryStore
        & AuthenticatorStore & LostTokenStore
}

extension EmergencyCodeService {
    /// What issuing (through the transaction port), reading and revoking a code needs.
    public typealias Storage = UserStore & EmergencyCodeStore & TransactionStore
}

extension BuiltinDirectory {
    /// The built-in directory's accounts and the users they belong to.
    public typealias Storage = UserStore & DirectoryAccountStore
}

extension AdminService {
    /// The administration of tenants, users, tokens, API keys, cards, emergency codes, recovery configurations and
    /// guessing budgets, with the transaction port for changes that revoke an emergency code, and the built-in
    /// directory (checked when a configuration is applied).
    public typealias Storage = TenantStore & UserStore & TokenStore & APIKeyStore & AuditLog & RecoveryStore & CardStore & RecoveryCodeStore
        & GuessBudgetStore & EmergencyCodeStore & BuiltinDirectory.Storage & TransactionStore & LostTokenStore
}

extension RecoveryService {
    /// Flows and their counters, guessing budgets, the user's tokens, cards, emergency code and directory account
    /// (the actions), the stable server secret (decoys), and the transaction port (unlock-authenticator).
    public typealias Storage = TenantStore & UserStore & TokenStore & AuditLog & RecoveryStore & CardStore & GuessBudgetStore
        & EmergencyCodeStore & BuiltinDirectory.Storage & ServerSecretStore & TransactionStore
}

extension RecoveryCodeService {
    /// The user (active, in the tenant) and their recovery-code set, written with its outbox notices and audit record
    /// through the transaction port.
    public typealias Storage = UserStore & RecoveryCodeStore & TransactionStore & RecoveryStore
}
