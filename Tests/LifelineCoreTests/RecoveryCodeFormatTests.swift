import Foundation
@testable import LifelineCore
import Testing

/// The printed form of saved recovery codes, how typed codes are read, and how a set is drawn.
@Suite("Recovery code format")
struct RecoveryCodeFormatTests {
    /// A seeded generator (SplitMix64): "random" bytes that are the same on every run.
    final class SeededRandom: RandomSource, @unchecked Sendable {
        var state: UInt64 = 42
        func bytes(_ count: Int) -> [UInt8] {
            (0..<count).map { _ in
                state &+= 0x9E37_79B9_7F4A_7C15
                var z = state
                z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
                z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
                return UInt8(truncatingIfNeeded: z ^ (z >> 31))
            }
        }
    }

    @Test func readsTheCodeAsPrintedWithOrWithoutSeparatorsInAnyCase() {
        let code = "7KQ2M9XD4HPTR0CW"
        #expect(RecoveryCodeFormat.display(code) == "7KQ2-M9XD-4HPT-R0CW")
        for typed in ["7KQ2-M9XD-4HPT-R0CW", "7KQ2M9XD4HPTR0CW", "7kq2-m9xd-4hpt-r0cw", "7KQ2 M9XD 4HPT R0CW", " 7KQ2-M9XD-4HPT-ROCW "] {
            #expect(RecoveryCodeFormat.normalize(typed) == code, "\(typed)")
        }
        // Crockford: I and L read as 1, O as 0.
        #expect(RecoveryCodeFormat.normalize("IL00-0000-0000-000O") == "1100000000000000")
    }

    @Test func refusesWhatCannotBeACode() {
        for bad in ["7KQ2-M9XD-4HPT-R0C", "7KQ2-M9XD-4HPT-R0CWX", "7KQ2-M9XD-4HPT-R0CU", "123456", "", "７KQ2M9XD4HPTR0CW",
                    "7KQ2_M9XD_4HPT_R0CW", String(repeating: "A", count: 65)] {
            #expect(RecoveryCodeFormat.normalize(bad) == nil, "\(bad)")
        }
    }

    @Test func aSetHasTenCodesOf80BitsWithDistinctLookups() {
        #expect(RecoveryCodeFormat.alphabet.count == 32, "5 bits a character")
        #expect(RecoveryCodeFormat.length * 5 == 80)
        #expect((RecoveryCodeFormat.length - RecoveryCodeFormat.lookupLength) * 5 >= 64, "the secret part alone has at least 64 bits")
        let set = RecoveryCodeFormat.newSet(random: SeededRandom())
        #expect(set.count == 10)
        #expect(Set(set.map(RecoveryCodeFormat.lookup)).count == 10)
        for code in set {
            #expect(RecoveryCodeFormat.normalize(RecoveryCodeFormat.display(code)) == code)
        }
    }

    @Test func theValidateInputRuleAcceptsRecoveryCodes() throws {
        let submitted = try Validation.validationCode("7kq2-m9xd-4hpt-r0cw")
        #expect(submitted[.recoveryCode] == "7KQ2M9XD4HPTR0CW")
        #expect(submitted[.otpToken] == nil)
        // An OTP is never a recovery code.
        #expect(try Validation.validationCode("123456")[.recoveryCode] == nil)
    }
}
