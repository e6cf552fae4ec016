import Crypto
import Foundation

/// The keyed hashes of the helpdesk's short codes.
enum HelpdeskCrypto {
    /// HMAC-SHA256 (hex) over `parts`, each followed by a zero byte (so that no two part lists give one message).
    static func mac(parts: [String], key: SymmetricKey) -> String {
        var message: [UInt8] = []
        for p in parts { message += Array(p.utf8) + [0] }
        return Hex.encode(HMAC<SHA256>.authenticationCode(for: message, using: key))
    }
}
