/// Re-encrypts every sealed secret (OTP seeds, smart-card admin keys and the server's ``StableSecret``) under the
/// vault's current key.
///
/// Safe while servers run: each row is replaced only if it still holds the ciphertext read (compare-and-set),
/// and servers re-read the key source when they meet a key id they do not know.
public struct KeyRotation: Sendable {
    let storage: any TokenStore & CardStore & ServerSecretStore
    let vault: any KeyVault

    public init(storage: any TokenStore & CardStore & ServerSecretStore, vault: any KeyVault) { self.storage = storage; self.vault = vault }

    /// Re-encrypts all secrets not yet under the current key; returns how many were re-encrypted.
    public func reencryptAll() async throws -> Int {
        let ring = try await vault.refreshed()
        var changed = 0
        for (id, sealed) in try await storage.sealedSecrets() where sealed.keyID != ring.currentID {
            let plain = try ring.open(sealed, context: id.uuidString)
            let resealed = try ring.seal(plain, context: id.uuidString)
            if try await storage.reseal(tokenID: id, old: sealed, new: resealed) { changed += 1 }
        }
        for (id, sealed) in try await storage.sealedCardKeys() where sealed.keyID != ring.currentID {
            let context = StoredCard.sealContext(id)
            let resealed = try ring.seal(try ring.open(sealed, context: context), context: context)
            if try await storage.resealCard(id: id, old: sealed, new: resealed) { changed += 1 }
        }
        // Why re-sealed although the old key stays in a key file: keys given in configuration (`keys.previous`) are
        // dropped by the operator some day, and the stable secret must open after that. Its value never changes.
        for (name, sealed) in try await storage.sealedServerSecrets() where sealed.keyID != ring.currentID {
            let context = StableSecret.sealContext(name)
            let resealed = try ring.seal(try ring.open(sealed, context: context), context: context)
            if try await storage.resealServerSecret(name: name, old: sealed, new: resealed) { changed += 1 }
        }
        return changed
    }
}
