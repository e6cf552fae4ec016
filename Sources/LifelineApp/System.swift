import Foundation
import LifelineCore

/// The real clock.
public struct SystemClock: LifelineClock {
    public init() {}
    public func now() -> Date { Date() }
}

/// The operating system's CSPRNG (`getrandom(2)` on Linux, through the standard library's
/// `SystemRandomNumberGenerator`, which is documented as cryptographically secure).
public struct SystemRandom: RandomSource {
    public init() {}
    public func bytes(_ count: Int) -> [UInt8] {
        // Eight bytes per call of the generator (one getrandom(2) each), not one.
        var g = SystemRandomNumberGenerator()
        var out: [UInt8] = []
        out.reserveCapacity(count)
        while out.count < count {
            let word = g.next()
            withUnsafeBytes(of: word) { out.append(contentsOf: $0.prefix(count - out.count)) }
        }
        return out
    }
}
