import Foundation
import LifelineCore
import Synchronization

/// A clock the test moves by hand.
public final class ManualClock: LifelineClock {
    private let current: Mutex<Date>
    public init(_ start: Date = Date(timeIntervalSince1970: 1_750_000_000)) { current = Mutex(start) }
    public func now() -> Date { current.withLock { $0 } }
    public func advance(by seconds: TimeInterval) { current.withLock { $0 += seconds } }
}

/// A key vault over one fixed key (the real AES-GCM ``KeyRing``).
public struct FixedKeyVault: KeyVault {
    public let keyRing: KeyRing
    public init() throws {
        let key = (0..<32).map { UInt8($0 &* 7 &+ 3) }
        keyRing = try KeyRing(currentID: KeyRing.deriveID(for: key), keys: [KeyRing.deriveID(for: key): key])
    }
    public func ring() async throws -> KeyRing { keyRing }
    public func refreshed() async throws -> KeyRing { keyRing }
}
