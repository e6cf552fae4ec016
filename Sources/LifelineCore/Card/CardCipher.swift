import Crypto
import CryptoExtras

/// The PIN-unblock response of a smart card: the challenge encrypted under the card's admin key, one block in
/// ECB — 3DES-EDE for an 8-byte challenge, AES for a 16-byte one.
public enum CardCipher {
    /// The response cryptogram for `challenge` under `key`.
    ///
    /// Throws ``LifelineError/Code/invalidRequest`` when the challenge or key length does not fit `algorithm`.
    /// Key hygiene (default keys, degenerate 3DES keys) is checked when a key is imported (``CardKey``), not here.
    public static func response(challenge: [UInt8], key: [UInt8], algorithm: CardKeyAlgorithm) throws(LifelineError) -> [UInt8] {
        guard challenge.count == algorithm.challengeLength else {
            throw LifelineError(.invalidRequest, "a \(algorithm.rawValue) challenge is \(algorithm.challengeLength) bytes")
        }
        guard key.count == algorithm.keyLength else {
            throw LifelineError(.invalidRequest, "a \(algorithm.rawValue) key is \(algorithm.keyLength) bytes")
        }
        switch algorithm {
        case .tripleDES:
            return try TripleDES.encrypt(block: challenge, key: key)
        case .aes128, .aes192, .aes256:
            var block = challenge
            do {
                // The raw AES block function (no mode, no padding): exactly what ECB does to a single block.
                try AES.permute(&block, key: SymmetricKey(data: key))
            } catch {
                throw LifelineError(.internalError, "AES block encryption failed")
            }
            return block
        }
    }
}
