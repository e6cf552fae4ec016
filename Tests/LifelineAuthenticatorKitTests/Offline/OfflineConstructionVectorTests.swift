import Foundation
import Testing
@testable import LifelineAuthenticatorKit

/// Fixed vectors of ``OfflineConstruction`` (computed independently with Python's hashlib from the formulas in
/// docs/offline-construction.md, which lists them too). Salt: the bytes 00 01 … 1f.
@Suite struct OfflineConstructionVectorTests {
    static let tags: [(step: Int64, passcode: String, hidden: UInt32, hex: String)] = [
        (56_666_666, "123456", 0, "e0d300c7e5"),
        (56_666_666, "123456", 48879, "d813bb8897"),
        (56_666_667, "12345678", 65535, "ad0dd0ba6f"),
        (56_666_667, "471112345678", 4660, "b42f5baee5"),
        (-1, "000000", 1, "37affe9acd"),
    ]
    static let emergency: [(kind: String, input: String, hex: String)] = [
        ("tokencode", "4711ABCDEFGHJKMNPQRS", "6bb6ba77f44bac0e151adb19f58203d0483220a4ccd20371fd6833c455a7a0bf"),
        ("tokencode", "ABCDEFGHJKMNPQRS", "30075a33f877c2f88f3c4c7f2deb391212ce2bb0b3c53b044dd3e903bd9d0d23"),
        ("passcode", "23456789ABCDEFGH", "188ab27b64316d5cf29738da5fd67a6b4ef6540fe2e7c73223fef886712406b3"),
    ]

    static func hex(_ b: [UInt8]) -> String { b.map { String(format: "%02x", $0) }.joined() }

    @Test func tagVectors() {
        for v in Self.tags {
            #expect(Self.hex(OfflineConstruction.tag(salt: OfflineFixture.salt, step: v.step, passcode: v.passcode, hidden: v.hidden)) == v.hex, "\(v)")
        }
    }

    @Test func emergencyVerifierVectors() {
        for v in Self.emergency {
            #expect(Self.hex(OfflineConstruction.emergencyVerifier(salt: OfflineFixture.salt, kind: v.kind, input: v.input)) == v.hex, "\(v)")
        }
    }

    /// The search finds the hidden value at the real 16 bits, and a neighbouring passcode does not match.
    @Test func matchesSearchesEveryHiddenValue() {
        let v = Self.tags[2]
        let expected = OfflineConstruction.tag(salt: OfflineFixture.salt, step: v.step, passcode: v.passcode, hidden: v.hidden)
        #expect(OfflineConstruction.matches(expected: expected, salt: OfflineFixture.salt, step: v.step, passcode: v.passcode, hiddenBits: 16))
        #expect(!OfflineConstruction.matches(expected: expected, salt: OfflineFixture.salt, step: v.step, passcode: "12345679", hiddenBits: 16))
        // 65535 is outside a 15-bit search.
        #expect(!OfflineConstruction.matches(expected: expected, salt: OfflineFixture.salt, step: v.step, passcode: v.passcode, hiddenBits: 15))
    }

    @Test func stepIsFloorDivision() {
        #expect(OfflineConstruction.step(unixTime: 59, period: 30) == 1)
        #expect(OfflineConstruction.step(unixTime: 60, period: 30) == 2)
        #expect(OfflineConstruction.step(unixTime: -1, period: 30) == -1)
        #expect(OfflineConstruction.step(unixTime: -30, period: 30) == -1)
        #expect(OfflineConstruction.step(unixTime: -31, period: 30) == -2)
    }

    @Test func canonicalEmergencyCodes() {
        #expect(OfflineConstruction.canonicalEmergencyCode("abcd-efgh jkmn-pqrs") == "ABCDEFGHJKMNPQRS")
        #expect(OfflineConstruction.canonicalEmergencyCode("ABCD-EFGH-JKMN-PQR") == nil)
        #expect(OfflineConstruction.canonicalEmergencyCode("ABCD-EFGH-JKMN-PQR0") == nil, "0 is not in the alphabet")
        #expect(OfflineConstruction.grouped("ABCDEFGHJKMNPQRS") == "ABCD-EFGH-JKMN-PQRS")
    }

    /// docs/offline-construction.md lists exactly these vectors.
    @Test func docsListTheVectors() throws {
        let doc = try String(contentsOfFile: packageRoot + "/docs/offline-construction.md", encoding: .utf8)
        for v in Self.tags { #expect(doc.contains("`\(v.hex)`"), "\(v.hex)") }
        for v in Self.emergency { #expect(doc.contains("`\(v.hex)`"), "\(v.hex)") }
    }
}
