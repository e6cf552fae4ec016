/// Where the key-encryption keys come from (a key file, the environment, later an HSM).
///
/// Contract: `ring()` is cheap (cached); `refreshed()` re-reads the source, so a server picks up a key added by
/// `lifeline keys rotate` in another process without a restart.
public protocol KeyVault: Sendable {
    func ring() async throws -> KeyRing
    func refreshed() async throws -> KeyRing
}

extension KeyVault {
    /// Opens a sealed secret, re-reading the key source once if the key is unknown (rotated by another process).
    public func open(_ sealed: SealedSecret, context: String) async throws -> [UInt8] {
        do {
            return try await ring().open(sealed, context: context)
        } catch let error as LifelineError where error.code == .unknownKey {
            return try await refreshed().open(sealed, context: context)
        }
    }

    /// Seals a secret under the current key.
    public func seal(_ plaintext: [UInt8], context: String) async throws -> SealedSecret {
        try await ring().seal(plaintext, context: context)
    }
}
