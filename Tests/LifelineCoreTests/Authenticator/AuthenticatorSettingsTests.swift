import Foundation
import LifelineCore
import Testing

/// The tenant's `authenticator:` section: defaults, bounds, unknown keys refused.
@Suite("Authenticator: tenant settings")
struct AuthenticatorSettingsTests {
    func decode(_ json: String) throws -> RecoveryConfig {
        let decoder = JSONDecoder()
        decoder.userInfo[ConfigKeyCheck.strict] = true
        return try decoder.decode(RecoveryConfig.self, from: Data(json.utf8))
    }

    @Test("defaults: pin_length 4, ubc_lifetime_hours 24, pin_reset_minutes 10")
    func defaults() throws {
        let c = try decode("{}")
        #expect(c.authenticator == AuthenticatorSettings(pinLength: 4, ubcLifetimeHours: 24, pinResetMinutes: 10))
    }

    @Test("values out of range are problems under authenticator.*")
    func bounds() throws {
        let c = try decode(#"{"authenticator": {"pin_length": 3, "ubc_lifetime_hours": 169, "pin_reset_minutes": 0}}"#)
        let paths = c.authenticator.problems().map { $0.path.joined(separator: ".") }
        #expect(paths == ["authenticator.pin_length", "authenticator.ubc_lifetime_hours", "authenticator.pin_reset_minutes"])
        #expect(try decode(#"{"authenticator": {"pin_length": 8, "ubc_lifetime_hours": 168, "pin_reset_minutes": 30}}"#).authenticator.problems().isEmpty)
    }

    @Test("an unknown key is refused")
    func unknownKey() {
        let error = #expect(throws: ConfigProblem.self) { try decode(#"{"authenticator": {"pin_lenght": 6}}"#) }
        #expect(error?.path == ["authenticator", "pin_lenght"])
    }
}
