import Foundation
@testable import LifelineAuthenticatorKit

/// Offline data built the way the server builds it (``OfflineConstruction/tag(salt:step:passcode:hidden:)`` per step
/// with a hidden value), with a small `hiddenBits` to keep the tests fast.
enum OfflineFixture {
    static let salt = Array(0..<UInt8(32))
    static let period: Int64 = 30
    static let firstStep: Int64 = 56_666_666
    static let steps = 40
    /// The first step's start (Unix seconds).
    static var start: Int64 { firstStep * period }

    /// The tokencode of step `s` (deterministic, 6 or `digits` digits).
    static func tokencode(_ s: Int64, digits: Int = 6) -> String {
        let n = (UInt64(bitPattern: s) &* 2_654_435_761) % UInt64(pow(10, Double(digits)))
        let text = String(n)
        return String(repeating: "0", count: digits - text.count) + text
    }

    static let emergencyTokencode = "ABCD-EFGH-JKMN-PQRS"
    static let emergencyPasscode = "2345-6789-ABCD-EFGH"

    /// Data for a token (with `pin` in front of each tokencode when given), emergency codes when `emergencyUntil` is set.
    static func data(pin: String? = nil, digits: Int = 6, hiddenBits: Int = 4, maxFailures: Int = 3, emergencyUntil: Int64? = nil,
                     steps: Int = steps) -> OfflineData {
        var tags: [UInt8] = []
        for i in 0..<steps {
            let s = firstStep + Int64(i)
            let hidden = UInt32(truncatingIfNeeded: s &* 7) & ((1 << UInt32(hiddenBits)) - 1)
            tags += OfflineConstruction.tag(salt: salt, step: s, passcode: (pin ?? "") + tokencode(s, digits: digits), hidden: hidden)
        }
        var emergency: OfflineEmergencyData?
        if let emergencyUntil {
            let t = OfflineConstruction.canonicalEmergencyCode(emergencyTokencode)!, p = OfflineConstruction.canonicalEmergencyCode(emergencyPasscode)!
            emergency = OfflineEmergencyData(
                tokencode: Data(OfflineConstruction.emergencyVerifier(salt: salt, kind: "tokencode", input: (pin ?? "") + t)).base64EncodedString(),
                passcode: Data(OfflineConstruction.emergencyVerifier(salt: salt, kind: "passcode", input: p)).base64EncodedString(),
                expiresAt: emergencyUntil)
        }
        return OfflineData(grantID: "g1", tenant: "Acme", user: "Ada", machine: "laptop1", period: Int(period), digits: digits, pin: pin != nil,
                           firstStep: firstStep, steps: steps, expiresAt: (firstStep + Int64(steps)) * period,
                           salt: Data(salt).base64EncodedString(), hiddenBits: hiddenBits, tags: Data(tags).base64EncodedString(),
                           maxFailures: maxFailures, emergency: emergency)
    }

    /// A fresh entry for `data`.
    static func entry(_ data: OfflineData = data()) -> AgentUserState { AgentUserState(data: data, refillToken: "refill-1") }

    /// A Unix time inside step `s`.
    static func time(_ s: Int64) -> Int64 { s * period + 7 }
}
