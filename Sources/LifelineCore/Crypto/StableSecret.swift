import Crypto
import Foundation
import Synchronization

/// A server secret that survives key rotation: 32 CSPRNG bytes made once per database, stored sealed under the
/// key-encryption key (``ServerSecretStore``), opened with the key ring and kept in memory once opened.
///
/// Why not a key derived from the key-encryption key: whatever is derived from the current key changes at
/// `lifeline keys rotate`. Decoy contacts derived that way changed at a rotation while real ones did not, so a
/// rotation told every watcher which usernames exist; and the HMAC key of codes in flight changed, so every code sent
/// before the rotation failed. The secret itself never changes; only its sealed form is re-sealed by ``KeyRotation``
/// (an old key may leave the ring later).
///
/// Why in the database and not in the key file: every instance on one database must derive the same decoys and
/// accept each other's codes, and the database is what they share.
public final class StableSecret: Sendable {
    /// The name of the row.
    public static let name = "stable"
    /// Purposes of the keys derived from it (HKDF-SHA256 info strings; distinct, so no key serves two purposes).
    public enum Purpose: String, Sendable, CaseIterable {
        /// Decoy contacts and question subsets (``DecoyGenerator``).
        case decoy = "lifeline/stable/recovery/decoy"
        /// The HMAC of codes sent by SMS and email (``FlowStateMachine/digest(_:flow:step:key:)``).
        case code = "lifeline/stable/recovery/code"
    }

    private let store: any ServerSecretStore
    private let vault: any KeyVault
    private let random: any RandomSource
    /// The derived keys by purpose, once the secret was opened (the secret never changes, so they never go stale).
    private let keys = Mutex<[Purpose: SymmetricKey]?>(nil)

    public init(store: any ServerSecretStore, vault: any KeyVault, random: any RandomSource) {
        self.store = store; self.vault = vault; self.random = random
    }

    /// The key for `purpose`. The first call of a process reads (or creates) the secret; later calls cost nothing.
    public func key(_ purpose: Purpose) async throws -> SymmetricKey {
        if let known = keys.withLock({ $0?[purpose] }) { return known }
        let secret = try await open()
        let derived = Dictionary(uniqueKeysWithValues: Purpose.allCases.map {
            ($0, HKDF<SHA256>.deriveKey(inputKeyMaterial: SymmetricKey(data: secret), info: Array($0.rawValue.utf8), outputByteCount: 32))
        })
        keys.withLock { $0 = derived }
        return derived[purpose]!
    }

    /// The associated data of the sealed secret, so a sealed value copied from another row does not open here.
    public static func sealContext(_ name: String) -> String { "server-secret:" + name }

    private func open() async throws -> [UInt8] {
        // Why propose before reading: one round trip, and the insert is a no-op when the secret exists. A proposal
        // that loses the race is discarded; every caller opens the one stored value.
        let proposed = try await vault.seal(random.bytes(32), context: Self.sealContext(Self.name))
        let stored = try await store.serverSecret(name: Self.name, proposed: proposed)
        let secret = try await vault.open(stored, context: Self.sealContext(Self.name))
        guard secret.count == 32 else { throw LifelineError(.integrity, "the stable server secret is not 256 bits") }
        return secret
    }
}
