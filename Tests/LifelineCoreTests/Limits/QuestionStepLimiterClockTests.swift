import Foundation
import LifelineCore
import LifelineTestStore
import Testing

/// The questions step's buckets follow the service's clock, so a slow machine is never taken for the time that refills
/// them (a test of the limits then says exactly when a token comes back).
@Suite struct QuestionStepLimiterClockTests {
    @Test("a bucket refills when the service's clock moves, not when the machine is slow")
    func followsTheServiceClock() throws {
        var policy = QuestionStepPolicy()
        policy.perAddressPerMinute = 4
        let clock = ManualClock(Date(timeIntervalSince1970: 1_800_000_000))
        let limiter = QuestionStepLimiter(policy: policy, clock: clock)
        for _ in 0..<4 { try limiter.admit(flow: UUID(), source: "192.0.2.1") }
        #expect(throws: LifelineError.self) { try limiter.admit(flow: UUID(), source: "192.0.2.1") }
        clock.advance(by: 15)   // 4 a minute: one token back every 15 s
        try limiter.admit(flow: UUID(), source: "192.0.2.1")
        #expect(throws: LifelineError.self) { try limiter.admit(flow: UUID(), source: "192.0.2.1") }
        clock.advance(by: -3600)   // a clock set back refills nothing and takes nothing away
        #expect(throws: LifelineError.self) { try limiter.admit(flow: UUID(), source: "192.0.2.1") }
    }
}
