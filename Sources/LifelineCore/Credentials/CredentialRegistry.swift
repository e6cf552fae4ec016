import Foundation

/// What credential types need from the rest of the core.
struct CredentialDependencies: Sendable {
    let storage: any ValidationService.Storage
    let vault: any KeyVault
    let verifier: OTPVerifier
    /// The pool for slow hashes, asked at each use.
    let hashPool: @Sendable () -> SlowHashPool
    /// Called after notices were queued in the outbox (wakes the dispatcher).
    let onQueued: @Sendable () -> Void
}

/// The credential types validation tries, in order. Adding a type is one folder under `Credentials/` and one line here
/// (docs/adding-a-credential.md).
///
/// Why this order: OTP tokens first, because they are what users type every day and an input that can be an OTP is a
/// guess at the tokens (issue 13 item 3); then the recovery codes, the user's own saved spares (exactly 16 characters,
/// so they never take an OTP's input); then the emergency code, the helpdesk's temporary stand-in. A wrong input counts
/// on the first of them that it could be.
struct CredentialRegistry: Sendable {
    let types: [any CredentialType]

    init(_ d: CredentialDependencies) {
        types = [
            OTPTokenCredential(d),
            RecoveryCodeCredential(d),
            EmergencyCodeCredential(d),
        ]
    }
}
