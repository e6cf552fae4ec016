import Crypto
import Foundation
import Synchronization

/// A secret encrypted at rest: the id of the key-encryption key and the AES-GCM combined box
/// (nonce ‖ ciphertext ‖ tag). Stored as text `v1:<keyID>:<base64>`.
public struct SealedSecret: Sendable, Equatable {
    public var keyID: String
    public var box: [UInt8]

    public init(keyID: String, box: [UInt8]) { self.keyID = keyID; self.box = box }

    /// The stored text form.
    public var text: String { "v1:\(keyID):\(Data(box).base64EncodedString())" }

    /// Parses the stored text form.
    public init?(text: String) {
        let parts = text.split(separator: ":", maxSplits: 2, omittingEmptySubsequences: false)
        guard parts.count == 3, parts[0] == "v1", !parts[1].isEmpty,
              let data = Data(base64Encoded: String(parts[2])) else { return nil }
        self.keyID = String(parts[1]); self.box = Array(data)
    }
}

/// A set of key-encryption keys, one of which is current (used for new ciphertexts); the others only decrypt.
public struct KeyRing: Sendable {
    public private(set) var currentID: String
    private var keys: [String: SymmetricKey]
    /// Derived keys already computed, by key id and purpose (shared by the copies of this ring; see ``derivedKey(info:)``).
    private let derived = DerivedKeys()

    /// A ring from raw 256-bit keys; `currentID` must be among them.
    public init(currentID: String, keys: [String: [UInt8]]) throws(LifelineError) {
        guard keys[currentID]?.count == 32 else {
            throw LifelineError(.configuration, "the current key '\(currentID)' is missing or not 256 bits")
        }
        for (id, key) in keys where key.count != 32 || id.isEmpty || id.contains(":") {
            throw LifelineError(.configuration, "key '\(id)' must be 256 bits with an id without ':'")
        }
        self.currentID = currentID
        self.keys = keys.mapValues { SymmetricKey(data: $0) }
    }

    /// The ids of all keys in the ring.
    public var keyIDs: [String] { keys.keys.sorted() }

    /// Encrypts `plaintext` under the current key. `context` (e.g. the token id) is bound as associated data,
    /// so that a ciphertext copied onto another row does not decrypt there. Why AES-GCM: authenticated, so a
    /// tampered secret fails to open instead of yielding a wrong seed.
    public func seal(_ plaintext: [UInt8], context: String) throws(LifelineError) -> SealedSecret {
        do {
            let box = try AES.GCM.seal(plaintext, using: keys[currentID]!, authenticating: Array(context.utf8))
            guard let combined = box.combined else { throw LifelineError(.internalError, "AES-GCM gave no box") }
            return SealedSecret(keyID: currentID, box: Array(combined))
        } catch let error as LifelineError {
            throw error
        } catch {
            throw LifelineError(.internalError, "encryption failed")
        }
    }

    /// Decrypts a sealed secret; throws ``LifelineError/Code/unknownKey`` when its key is not in the ring.
    public func open(_ sealed: SealedSecret, context: String) throws(LifelineError) -> [UInt8] {
        guard let key = keys[sealed.keyID] else { throw LifelineError(.unknownKey, "unknown key id \(sealed.keyID)") }
        do {
            let box = try AES.GCM.SealedBox(combined: sealed.box)
            return Array(try AES.GCM.open(box, using: key, authenticating: Array(context.utf8)))
        } catch {
            throw LifelineError(.integrity, "a sealed secret failed authentication")
        }
    }

    /// A key id derived from the key (first 8 bytes of SHA-256, hex), so ids never collide by accident.
    public static func deriveID(for key: [UInt8]) -> String {
        "k" + Hex.encode(SHA256.hash(data: key).prefix(8))
    }
}

extension KeyRing {
    /// A key derived (HKDF-SHA256) from the current key for one purpose, e.g. the HMAC key of flow codes.
    /// Why derived: one secret to protect and rotate, yet no key used for two purposes.
    ///
    /// Each derivation is computed once per ring and key (the derivation is deterministic; flows need two per request).
    public func derivedKey(info: String) -> SymmetricKey {
        derivedKey(info: info, keyID: currentID)!
    }

    /// The same derivation from the ring's key `keyID` (a previous key after rotation), or nil when the ring has
    /// no such key — so a value keyed before `lifeline keys rotate` (an emergency code's HMAC) can still be checked.
    public func derivedKey(info: String, keyID: String) -> SymmetricKey? {
        guard let key = keys[keyID] else { return nil }
        return derived.key(keyID: keyID, info: info) {
            HKDF<SHA256>.deriveKey(inputKeyMaterial: key, info: Array(info.utf8), outputByteCount: 32)
        }
    }
}

/// The memo of ``KeyRing``'s derived keys. A ring is immutable once made (a new one is made on rotation), so a key
/// derived for (key id, purpose) stays right for the ring's lifetime.
final class DerivedKeys: Sendable {
    private let memo = Mutex<[String: SymmetricKey]>([:])

    func key(keyID: String, info: String, derive: () -> SymmetricKey) -> SymmetricKey {
        let name = keyID + "\u{0}" + info
        if let known = memo.withLock({ $0[name] }) { return known }
        let key = derive()
        memo.withLock { $0[name] = key }
        return key
    }
}
