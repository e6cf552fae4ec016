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
    /// The same HMAC as two hashers keyed once (RFC 2104: H(K ⊕ opad ‖ H(K ⊕ ipad ‖ m))), for ``truncated(counter:)``.
    /// Why not `keyed` there: swift-crypto's `HMAC.update(data:)` goes through `DataProtocol`'s regions, and one HMAC of
    /// a counter cost 0.83 µs against 0.37 µs for a whole offline tag (SHA-256, two blocks); see docs/offline.md for
    /// the measured gain (benchmarks/offline-builder.sh). RFC 4226 / 6238 vectors and oathtool check both paths.
    private enum Prekeyed {
        case sha1(PrekeyedHMAC<Insecure.SHA1>)
        case sha256(PrekeyedHMAC<SHA256>)
        case sha512(PrekeyedHMAC<SHA512>)
    }
    private let prekeyed: Prekeyed

    public init(algorithm: OTPAlgorithm, key: [UInt8]) {
        let symmetricKey = SymmetricKey(data: key)
        switch algorithm {
        case .sha1: keyed = .sha1(HMAC(key: symmetricKey)); prekeyed = .sha1(PrekeyedHMAC(key: key))
        case .sha256: keyed = .sha256(HMAC(key: symmetricKey)); prekeyed = .sha256(PrekeyedHMAC(key: key))
        case .sha512: keyed = .sha512(HMAC(key: symmetricKey)); prekeyed = .sha512(PrekeyedHMAC(key: key))
        }
    }

    /// RFC 4226's dynamic truncation (§5.3) of the HMAC of `counter` as 8 big-endian bytes: the 31-bit value before
    /// the reduction to digits. No allocation (the offline data builder calls it 40,320 times per download).
    public func truncated(counter: UInt64) -> UInt32 {
        withUnsafeBytes(of: counter.bigEndian) { message in
            switch prekeyed {
            case .sha1(let h): h.truncated(message)
            case .sha256(let h): h.truncated(message)
            case .sha512(let h): h.truncated(message)
            }
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

/// HMAC (RFC 2104) keyed once: the hashers after the padded key's inner and outer block.
struct PrekeyedHMAC<H: HashFunction> {
    let inner: H
    let outer: H

    init(key: [UInt8]) {
        var k = key.count > H.blockByteCount ? Array(H.hash(data: key)) : key
        k += [UInt8](repeating: 0, count: H.blockByteCount - k.count)
        var i = H(), o = H()
        i.update(data: k.map { $0 ^ 0x36 })
        o.update(data: k.map { $0 ^ 0x5c })
        inner = i; outer = o
    }

    /// RFC 4226's dynamic truncation of HMAC(`message`).
    func truncated(_ message: UnsafeRawBufferPointer) -> UInt32 {
        var i = inner
        i.update(bufferPointer: message)
        return i.finalize().withUnsafeBytes { innerDigest in
            var o = outer
            o.update(bufferPointer: innerDigest)
            return o.finalize().withUnsafeBytes { digest in
                let offset = Int(digest[digest.count - 1] & 0x0f)
                return (UInt32(digest[offset] & 0x7f) << 24) | (UInt32(digest[offset + 1]) << 16)
                    | (UInt32(digest[offset + 2]) << 8) | UInt32(digest[offset + 3])
            }
        }
    }
}
