import Foundation
import LifelineCore
import Synchronization

/// A clock the test moves by hand.
final class ManualClock: LifelineClock {
    private let current: Mutex<Date>
    init(_ start: Date = Date(timeIntervalSince1970: 1_750_000_000)) { current = Mutex(start) }
    func now() -> Date { current.withLock { $0 } }
    func advance(by seconds: TimeInterval) { current.withLock { $0 += seconds } }
}

/// The real clock.
struct WallClock: LifelineClock {
    func now() -> Date { Date() }
}

/// A key vault over a fixed ring (the real AES-GCM `KeyRing`).
struct FixedKeyVault: KeyVault {
    let keyRing: KeyRing
    init() throws {
        let key = (0..<32).map { UInt8($0 &* 7 &+ 3) }
        keyRing = try KeyRing(currentID: KeyRing.deriveID(for: key), keys: [KeyRing.deriveID(for: key): key])
    }
    func ring() async throws -> KeyRing { keyRing }
    func refreshed() async throws -> KeyRing { keyRing }
}
