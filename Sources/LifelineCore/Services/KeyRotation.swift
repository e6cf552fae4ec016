/// Re-encrypts every sealed secret (OTP seeds and smart-card admin keys) under the vault's current key.
///
/// Safe while servers run: each row is replaced only if it still holds the ciphertext read (compare-and-set),
/// and servers re-read the key source when they meet a key id they do not know.
public struct KeyRotation: Sendable {
    let storage: any TokenStore & CardStore
    let vault: any KeyVault

    public init(storage: any TokenStore & CardStore, vault: any KeyVault) { self.storage = storage; self.vault = vault }

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
        return changed
    }
}
