import Crypto

/// The HMAC hash function an OTP token uses (RFC 4226 / RFC 6238).
public enum OTPAlgorithm: String, Sendable, Codable, CaseIterable {
    case sha1, sha256, sha512

    /// The name used in `otpauth://` URIs.
    public var uriName: String { rawValue.uppercased() }
}

/// An HMAC keyed once, for the MACs of several counters under one secret: a validation checks a window of steps,
/// and keying (the padded key's two hash blocks) is a good part of each HMAC of an 8-byte counter.
public struct OTPKeyedMAC {
    private enum Keyed {
        case sha1(HMAC<Insecure.SHA1>)
        case sha256(HMAC<SHA256>)
        case sha512(HMAC<SHA512>)
    }
    private let keyed: Keyed

    public init(algorithm: OTPAlgorithm, key: [UInt8]) {
        let symmetricKey = SymmetricKey(data: key)
        switch algorithm {
        case .sha1: keyed = .sha1(HMAC(key: symmetricKey))
        case .sha256: keyed = .sha256(HMAC(key: symmetricKey))
        case .sha512: keyed = .sha512(HMAC(key: symmetricKey))
        }
    }

    /// HMAC of `message` (a copy of the keyed state is updated, so the key can be used again).
    public func mac(_ message: [UInt8]) -> [UInt8] {
        switch keyed {
        case .sha1(var h): h.update(data: message); return Array(h.finalize())
        case .sha256(var h): h.update(data: message); return Array(h.finalize())
        case .sha512(var h): h.update(data: message); return Array(h.finalize())
        }
    }
}
