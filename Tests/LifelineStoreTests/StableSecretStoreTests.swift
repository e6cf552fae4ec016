import Foundation
import LifelineApp
import LifelineCore
@testable import LifelineStore
import Testing

/// The stable server secret (issue 13 item 9): one per database, race-free, and re-sealed (never changed) by a key
/// rotation.
@Suite("Stable server secret")
struct StableSecretStoreTests {
    static func fingerprint(_ secret: StableSecret, _ purpose: StableSecret.Purpose) async throws -> Data {
        try await secret.key(purpose).withUnsafeBytes { Data($0) }
    }

    @Test("concurrent first use by two instances creates one secret, and both derive the same keys", arguments: Backend.available)
    func oneSecretPerDatabase(_ backend: Backend) async throws {
        try await withStore(backend) { store, db in
            try await db.withSecondStore { second in
                let keys = try await withThrowingTaskGroup(of: Data.self) { group in
                    for i in 0..<20 {
                        let secret = StableSecret(store: i % 2 == 0 ? store : second, vault: db.vault, random: SystemRandom())
                        group.addTask { try await Self.fingerprint(secret, .code) }
                    }
                    return try await group.reduce(into: Set<Data>()) { $0.insert($1) }
                }
                #expect(keys.count == 1)
            }
            #expect(try await store.int("SELECT COUNT(*) AS n FROM server_secrets") == 1)
            let secret = StableSecret(store: store, vault: db.vault, random: SystemRandom())
            #expect(try await Self.fingerprint(secret, .code) != Self.fingerprint(secret, .decoy))
        }
    }

    @Test("a key rotation re-seals the secret under the new key and leaves its value", arguments: Backend.available)
    func rotationReseals(_ backend: Backend) async throws {
        try await withStore(backend) { store, db in
            let before = try await Self.fingerprint(StableSecret(store: store, vault: db.vault, random: SystemRandom()), .decoy)
            let oldKey = try await db.vault.ring().currentID
            #expect(try await store.sealedServerSecrets().map(\.secret.keyID) == [oldKey])
            let newKey = try db.vault.addKey(random: SystemRandom())
            #expect(try await KeyRotation(storage: store, vault: db.vault).reencryptAll() == 1)
            // Sealed under the new key alone: it opens after the old key leaves the ring (keys.previous dropped).
            #expect(try await store.sealedServerSecrets().map(\.secret.keyID) == [newKey])
            let after = try await Self.fingerprint(StableSecret(store: store, vault: db.vault, random: SystemRandom()), .decoy)
            #expect(after == before)
        }
    }
}
