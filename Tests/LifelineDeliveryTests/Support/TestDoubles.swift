import Foundation
import LifelineCore

/// The real clock.
struct WallClock: LifelineClock {
    func now() -> Date { Date() }
}

