/// One thing a principal may do. The services name the permission a use case needs and ask ``Authorizer``;
/// which roles hold it is written once, in ``Authorizer/permissions(of:)``.
public enum Permission: String, Sendable, CaseIterable {
    /// `POST /api/v1/validate`.
    case validate
    /// List the tenants in the principal's scope.
    case tenantsRead = "tenants.read"
    /// Create a tenant (global principals only).
    case tenantsManage = "tenants.manage"
    /// Read users, their contacts and which security questions they answered.
    case usersRead = "users.read"
    /// Create or change users, contacts and security answers.
    case usersWrite = "users.write"
    /// Read tokens and their state.
    case tokensRead = "tokens.read"
    /// Enroll or delete a token.
    case tokensWrite = "tokens.write"
    /// Disable, enable or reset (fail counter and throttle) a token, and resync it.
    case tokensManage = "tokens.manage"
    /// Check a code against one token (consumes the code; answers the detailed result).
    case tokensCheck = "tokens.check"
    /// Read a tenant's or a user's smart cards.
    case cardsRead = "cards.read"
    /// Import or delete smart cards.
    case cardsWrite = "cards.write"
    /// Read the state of a user's emergency access code (never the code).
    case emergencyCodesRead = "emergency_codes.read"
    /// Revoke a user's emergency access code.
    case emergencyCodesRevoke = "emergency_codes.revoke"
    /// Read how many saved recovery codes a user has left (never the codes).
    case recoveryCodesRead = "recovery_codes.read"
    /// Issue or revoke a user's set of saved recovery codes.
    case recoveryCodesManage = "recovery_codes.manage"
    /// Read a username's recovery guessing budgets.
    case recoveryBudgetsRead = "recovery_budgets.read"
    /// Lift a username's recovery guessing budgets (the flows' throttle).
    case recoveryBudgetsLift = "recovery_budgets.lift"
    /// Read a tenant's recovery configuration.
    case configRead = "config.read"
    /// Apply a tenant's recovery configuration.
    case configWrite = "config.write"
    /// Read the audit log.
    case auditRead = "audit.read"
    /// List, create and revoke API keys.
    case apiKeysManage = "api_keys.manage"
    /// Send a caller-verification code to one of a user's verified contacts and check it (helpdesk).
    case callersVerify = "callers.verify"
    /// Issue a helpdesk emergency access code (bounded by the tenant's template).
    case helpdeskCodesIssue = "helpdesk_codes.issue"
    /// See the console's operators (of the principal's tenants).
    case operatorsRead = "operators.read"
    /// Create, change, disable operators of a lower role, and end their sessions.
    case operatorsManage = "operators.manage"
    /// Run or configure the sync of users from the tenant's directory, and import users.
    case directorySync = "directory.sync"
    /// See a user's Lifeline Authenticator apps (devices) and their PIN, organization and UBC states (never a secret).
    case authenticatorsRead = "authenticators.read"
    /// Issue an activation for the Lifeline Authenticator, block a user's PIN, display an unblocking code (UBC), and
    /// hold a PIN reset open with the user present (issue 16).
    case authenticatorsManage = "authenticators.manage"
    /// Register, list and revoke the tenant's laptop agents (issue 17).
    case agentsManage = "agents.manage"
    /// See the tenant's agents and the offline data windows issued to users' machines (never a secret).
    case agentsRead = "agents.read"
    /// The agent API (`/api/v1/agent/...`): authenticate users online and receive their offline data, refill it. Held
    /// by the `agent` role only.
    case agentAuthenticate = "agent.authenticate"
    /// See a token's offline emergency access tokencodes (the codes themselves, to read out to the user) and their state.
    case offlineCodesRead = "offline_codes.read"
    /// Reset a token's offline emergency access tokencodes and switch their online use on or off.
    case offlineCodesManage = "offline_codes.manage"
    /// Mark a token as lost (it is disabled and a temporary code replaces it for the tenant's days), and end that.
    case tokensLost = "tokens.lost"
    /// Server-level settings (global principals only).
    case serverManage = "server.manage"
}
