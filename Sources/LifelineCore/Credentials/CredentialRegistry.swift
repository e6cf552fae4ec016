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
/// guess at the tokens (issue 13 item 3); then the Lifeline Authenticator, the other everyday code (8 digits; its 9–13
/// digit unblock code too): right after the tokens so that a wrong 8-digit code counts as a wrong PIN of the app (issue
/// 16) unless the user has an 8-digit token that it could be, and a wrong unblock code counts on the UBC before an
/// all-digit emergency code could claim it; then the recovery codes, the user's own saved spares (exactly 16
/// characters, so they never take an OTP's input); then the emergency code, the helpdesk's temporary stand-in; last a
/// token's offline emergency access tokencodes (issue 17), which work online only when the helpdesk switches them on. A
/// wrong input counts on the first of them that it could be.
struct CredentialRegistry: Sendable {
    /// The registered types, in the order they are tried.
    static let registered: [any CredentialType.Type] = [
        OTPTokenCredential.self,
        AuthenticatorCredential.self,
        // A lost token's temporary code (docs/lost-token.md): the everyday stand-in for a token for days, so a wrong
        // input of its shape (12 symbols, or PIN ‖ 12 symbols: 16–20 characters, which a recovery code can also be)
        // is most likely a mistyped temporary code, and counts there before the spares below.
        LostTokenCredential.self,
        RecoveryCodeCredential.self,
        EmergencyCodeCredential.self,
        OfflineEmergencyCredential.self,
    ]

    /// Every registered kind (what `POST /validate` tries), made once: validate asks for it on every request.
    static let kinds: Set<CredentialKind> = Set(registered.map { $0.kind })

    /// `typed` in the form of every registered type that accepts it (``CredentialType/normalize(_:)``).
    static func forms(of typed: String) -> [CredentialKind: String] {
        var forms: [CredentialKind: String] = [:]
        for type in registered { if let form = type.normalize(typed) { forms[type.kind] = form } }
        return forms
    }

    /// What the registered types accept, in order, as one phrase: "A, B, or C".
    static let inputDescription: String = {
        let parts = registered.map { $0.inputDescription }
        guard parts.count > 1 else { return parts.first ?? "" }
        return parts.dropLast().joined(separator: ", ") + (parts.count > 2 ? ", or " : " or ") + parts.last!
    }()

    let types: [any CredentialType]

    init(_ d: CredentialDependencies) {
        types = Self.registered.map { $0.init(d) }
    }
}
