import Foundation
import LifelineApp
import LifelineCore
import Testing

/// The `otp.*` keys of the throttle and the lock (docs/configuration.md): defaults, environment, bounds.
@Suite("Configuration: otp throttle and lock")
struct OTPConfigurationTests {
    @Test func defaultsAndEnvironment() async throws {
        let defaults = try await LifelineConfiguration.load(flags: [:], configFile: nil, environment: [:])
        #expect(defaults.otp.maxFail == 100 && defaults.otp.throttleAfter == 3 && defaults.otp.throttleBase == 30 && defaults.otp.throttleMax == 3600)
        let set = try await LifelineConfiguration.load(flags: [:], configFile: nil, environment: [
            "LIFELINE_OTP_MAX_FAIL": "50", "LIFELINE_OTP_THROTTLE_AFTER": "5", "LIFELINE_OTP_THROTTLE_BASE": "10", "LIFELINE_OTP_THROTTLE_MAX": "600",
        ])
        #expect(set.otp.maxFail == 50 && set.otp.throttleAfter == 5 && set.otp.throttleBase == 10 && set.otp.throttleMax == 600)
    }

    @Test(arguments: [("LIFELINE_OTP_MAX_FAIL", "101"), ("LIFELINE_OTP_MAX_FAIL", "0"), ("LIFELINE_OTP_THROTTLE_AFTER", "0"),
                      ("LIFELINE_OTP_THROTTLE_BASE", "0"), ("LIFELINE_OTP_THROTTLE_MAX", "86401"), ("LIFELINE_OTP_THROTTLE_MAX", "29")])
    func outOfBoundsIsRefused(_ key: String, _ value: String) async throws {
        await #expect(throws: LifelineError.self) {
            _ = try await LifelineConfiguration.load(flags: [:], configFile: nil, environment: [key: value])
        }
    }
}
