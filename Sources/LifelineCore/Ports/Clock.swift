import Foundation

/// Where the core gets the time. Tests pass a fixed or settable clock to check any rule at any instant.
public protocol LifelineClock: Sendable {
    /// The current instant.
    func now() -> Date
}

/// Where the core gets randomness. Implementations must be a CSPRNG (why: OTP seeds, API keys and codes are
/// only as strong as their randomness).
public protocol RandomSource: Sendable {
    /// `count` random bytes.
    func bytes(_ count: Int) -> [UInt8]
}

extension RandomSource {
    /// A random UUID (version 4 layout) from this source.
    public func uuid() -> UUID {
        var b = bytes(16)
        b[6] = (b[6] & 0x0f) | 0x40
        b[8] = (b[8] & 0x3f) | 0x80
        return UUID(uuid: (b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9], b[10], b[11], b[12], b[13], b[14], b[15]))
    }

    /// A uniformly random string of `length` characters from `alphabet` (rejection sampling, so no
    /// character is more likely than another: a modulo would bias the first ones).
    public func string(length: Int, alphabet: [Character]) -> String {
        precondition(!alphabet.isEmpty && alphabet.count <= 256)
        let limit = 256 - (256 % alphabet.count)
        var out = ""
        out.reserveCapacity(length)
        while out.count < length {
            for b in bytes(length * 2) where Int(b) < limit && out.count < length {
                out.append(alphabet[Int(b) % alphabet.count])
            }
        }
        return out
    }

}
