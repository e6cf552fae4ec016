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
        var g = SystemRandomNumberGenerator()
        return (0..<count).map { _ in UInt8.random(in: .min ... .max, using: &g) }
    }
}
