import Crypto

/// The HMAC hash function an OTP token uses (RFC 4226 / RFC 6238).
public enum OTPAlgorithm: String, Sendable, Codable, CaseIterable {
    case sha1, sha256, sha512

    /// The name used in `otpauth://` URIs.
    public var uriName: String { rawValue.uppercased() }

    /// HMAC of `message` under `key` with this algorithm.
    public func hmac(key: [UInt8], message: [UInt8]) -> [UInt8] {
        let symmetricKey = SymmetricKey(data: key)
        switch self {
        case .sha1: return Array(HMAC<Insecure.SHA1>.authenticationCode(for: message, using: symmetricKey))
        case .sha256: return Array(HMAC<SHA256>.authenticationCode(for: message, using: symmetricKey))
        case .sha512: return Array(HMAC<SHA512>.authenticationCode(for: message, using: symmetricKey))
        }
    }
}
