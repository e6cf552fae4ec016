import Foundation

/// Server-wide secrets kept in the database, sealed under the key-encryption key (``StableSecret``).
///
/// Contract: ``serverSecret(name:proposed:)`` is race-free: of any number of concurrent callers, in any number of
/// processes on one database, the first insert wins (`INSERT … ON CONFLICT DO NOTHING`) and every caller gets back
/// the one stored value. A stored secret is never replaced, only re-sealed (``resealServerSecret(name:old:new:)``).
public protocol ServerSecretStore: Sendable {
    /// The stored secret `name`; stores `proposed` first when there is none.
    func serverSecret(name: String, proposed: SealedSecret) async throws -> SealedSecret
    /// Every stored secret, for key rotation.
    func sealedServerSecrets() async throws -> [(name: String, secret: SealedSecret)]
    /// Replaces the sealed form only if it still equals `old` (compare-and-set); returns whether it did.
    func resealServerSecret(name: String, old: SealedSecret, new: SealedSecret) async throws -> Bool
}
