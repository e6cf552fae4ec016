import Foundation
import Testing
@testable import LifelineAuthenticatorKit

/// The fixed test vectors of docs/authenticator-codes.md ("Test vectors"), computed once and asserted here, and
/// recomputed by an independent implementation (scripts/authenticator_vectors.py, Python's hmac + hashlib).
@Suite struct AuthenticatorCodeVectorTests {
    static let pinKey = bytes("000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f")
    static let orgKey = bytes("202122232425262728292a2b2c2d2e2f303132333435363738393a3b3c3d3e3f")
    static let orgKey2 = bytes("7721284de8af18c7ca07e029090c417d6aec31a3454f0bc84472f24d07456c9f")
    static let organization = "0b1e4d2c-7a3f-4e5b-9c8d-1f2a3b4c5d6e"

    static let verifiers: [(pin: String, hex: String)] = [
        ("0472", "43a5e8bbfac38b9f0cf0fc77909071c38d53db98a146c44f92c5ee7d8e3174bc"),
        ("031985", "d57dbab3d726463cd5ffcfc5e8208fd691f575f4f84b740d82f7fac5d38101cf"),
        ("00738164", "c103b5ccb0b4d6ec28f5fc4a27833f47149850c5ab43ecd97f333d67a3101be5"),
        ("8315", "495848196deba20d9ba414d97721d45ac709979378f5af954c65f89eb281c92e"),
    ]
    static let offline: [(key: Int, pin: String, step: Int64, code: String)] = [
        (1, "0472", 0, "81084432"),
        (1, "0472", 1, "11223052"),
        (1, "0472", 56666666, "18005356"),
        (1, "0472", 59066667, "43603750"),
        (1, "0472", 4294967296, "97490984"),
        (2, "0472", 0, "70227665"),
        (2, "0472", 1, "41314862"),
        (2, "0472", 56666666, "07392403"),
        (2, "0472", 59066667, "69454086"),
        (2, "0472", 4294967296, "20102226"),
        (1, "031985", 0, "42202568"),
        (1, "031985", 1, "96287956"),
        (1, "031985", 56666666, "28214758"),
        (1, "031985", 59066667, "30623873"),
        (1, "031985", 4294967296, "94988701"),
        (2, "031985", 0, "55444849"),
        (2, "031985", 1, "05844695"),
        (2, "031985", 56666666, "63165784"),
        (2, "031985", 59066667, "25038359"),
        (2, "031985", 4294967296, "50469035"),
        (1, "00738164", 0, "93215829"),
        (1, "00738164", 1, "92407172"),
        (1, "00738164", 56666666, "86572634"),
        (1, "00738164", 59066667, "80505756"),
        (1, "00738164", 4294967296, "95182925"),
        (2, "00738164", 0, "80532549"),
        (2, "00738164", 1, "90551053"),
        (2, "00738164", 56666666, "82773288"),
        (2, "00738164", 59066667, "24177435"),
        (2, "00738164", 4294967296, "93437700"),
        (1, "8315", 0, "66174228"),
        (1, "8315", 1, "91211081"),
        (1, "8315", 56666666, "11890855"),
        (1, "8315", 59066667, "78513997"),
        (1, "8315", 4294967296, "34555401"),
        (2, "8315", 0, "47183396"),
        (2, "8315", 1, "72178160"),
        (2, "8315", 56666666, "73613620"),
        (2, "8315", 59066667, "13599499"),
        (2, "8315", 4294967296, "09711150"),
    ]
    static let unblock: [(ubc: String, pin: String, step: Int64, code: String)] = [
        ("40718265", "0472", 0, "260783672"),
        ("40718265", "0472", 1, "274527708"),
        ("40718265", "0472", 56666666, "756503951"),
        ("40718265", "0472", 59066667, "099092067"),
        ("40718265", "0472", 4294967296, "287319347"),
        ("00917342", "0472", 0, "953309554"),
        ("00917342", "0472", 1, "393387184"),
        ("00917342", "0472", 56666666, "206813488"),
        ("00917342", "0472", 59066667, "745720285"),
        ("00917342", "0472", 4294967296, "505743620"),
        ("40718265", "031985", 0, "57447883206"),
        ("40718265", "031985", 1, "79094204844"),
        ("40718265", "031985", 56666666, "13671937358"),
        ("40718265", "031985", 59066667, "23433077996"),
        ("40718265", "031985", 4294967296, "64447383430"),
        ("00917342", "031985", 0, "40442547905"),
        ("00917342", "031985", 1, "85239942847"),
        ("00917342", "031985", 56666666, "99396360899"),
        ("00917342", "031985", 59066667, "05748976728"),
        ("00917342", "031985", 4294967296, "51945911032"),
        ("40718265", "00738164", 0, "8164217884844"),
        ("40718265", "00738164", 1, "2597765190843"),
        ("40718265", "00738164", 56666666, "1783566839142"),
        ("40718265", "00738164", 59066667, "9513822526068"),
        ("40718265", "00738164", 4294967296, "8789050080630"),
        ("00917342", "00738164", 0, "0815711081424"),
        ("00917342", "00738164", 1, "6598422268754"),
        ("00917342", "00738164", 56666666, "1168596263584"),
        ("00917342", "00738164", 59066667, "2253582801413"),
        ("00917342", "00738164", 4294967296, "1733995980542"),
        ("40718265", "8315", 0, "045086821"),
        ("40718265", "8315", 1, "058839355"),
        ("40718265", "8315", 56666666, "540813224"),
        ("40718265", "8315", 59066667, "883323668"),
        ("40718265", "8315", 4294967296, "071655723"),
        ("00917342", "8315", 0, "737673656"),
        ("00917342", "8315", 1, "177675045"),
        ("00917342", "8315", 56666666, "991136046"),
        ("00917342", "8315", 59066667, "530024047"),
        ("00917342", "8315", 4294967296, "290070784"),
    ]

    @Test func pinVerifiersMatchTheVectors() {
        for v in Self.verifiers {
            #expect(hex(AuthenticatorCode.pinVerifier(pinKey: Self.pinKey, pin: v.pin)) == v.hex, "PIN length \(v.pin.count)")
        }
    }

    @Test func offlineCodesMatchTheVectors() {
        for v in Self.offline {
            let verifier = AuthenticatorCode.pinVerifier(pinKey: Self.pinKey, pin: v.pin)
            let code = AuthenticatorCode.offlineCode(orgKey: v.key == 1 ? Self.orgKey : Self.orgKey2, pinVerifier: verifier, step: v.step)
            #expect(code == v.code, "key \(v.key), PIN length \(v.pin.count), step \(v.step)")
        }
        #expect(Self.offline.contains { $0.code.hasPrefix("0") }, "the vectors include a leading zero")
    }

    @Test func unblockCodesMatchTheVectorsAndOpenToThePIN() {
        for v in Self.unblock {
            let code = AuthenticatorCode.unblockCode(orgKey: Self.orgKey, organization: Self.organization, ubc: v.ubc, newPIN: v.pin, step: v.step)
            #expect(code == v.code, "UBC \(v.ubc), PIN length \(v.pin.count), step \(v.step)")
            #expect(AuthenticatorCode.openUnblockCode(v.code, orgKey: Self.orgKey, organization: Self.organization, ubc: v.ubc, step: v.step) == v.pin)
        }
        #expect(Set(Self.unblock.map(\.code.count)) == [9, 11, 13])
        #expect(Self.unblock.contains { $0.code.hasPrefix("0") }, "the vectors include a leading zero")
    }

    /// The independent implementation computes the same vectors (so the Swift one is not checked against itself).
    @Test func pythonImplementationAgrees() throws {
        let (status, output) = try run(["python3", "scripts/authenticator_vectors.py"])
        #expect(status == 0)
        struct Vectors: Decodable {
            struct V: Decodable { var pin: String; var verifier: String }
            struct O: Decodable { var key: String; var pin: String; var step: Int64; var code: String }
            struct U: Decodable { var ubc: String; var pin: String; var step: Int64; var code: String }
            var pin_key: String; var org_key: String; var org_key_2: String; var organization: String
            var pin_verifier: [V]; var offline: [O]; var unblock: [U]
        }
        let v = try JSONDecoder().decode(Vectors.self, from: output)
        #expect(v.pin_key == hex(Self.pinKey) && v.org_key == hex(Self.orgKey) && v.org_key_2 == hex(Self.orgKey2))
        #expect(v.organization == Self.organization)
        #expect(v.pin_verifier.map { "\($0.pin) \($0.verifier)" } == Self.verifiers.map { "\($0.pin) \($0.hex)" })
        #expect(v.offline.map { "\($0.key == "org_key" ? 1 : 2) \($0.pin) \($0.step) \($0.code)" } == Self.offline.map { "\($0.key) \($0.pin) \($0.step) \($0.code)" })
        #expect(v.unblock.map { "\($0.ubc) \($0.pin) \($0.step) \($0.code)" } == Self.unblock.map { "\($0.ubc) \($0.pin) \($0.step) \($0.code)" })
    }

    /// docs/authenticator-codes.md lists exactly these vectors (checked by the Python script, row by row).
    @Test func docsListTheVectors() throws {
        let (status, output) = try run(["python3", "scripts/authenticator_vectors.py", "--check", "docs/authenticator-codes.md"])
        #expect(status == 0, "\(String(decoding: output, as: UTF8.self))")
        let doc = try String(contentsOfFile: packageRoot + "/docs/authenticator-codes.md", encoding: .utf8)
        for v in Self.unblock { #expect(doc.contains("`\(v.code)`")) }
        for v in Self.offline { #expect(doc.contains("`\(v.code)`")) }
    }
}

let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path

/// Runs a program in the package root; its status and standard output (standard error joined).
func run(_ arguments: [String]) throws -> (Int32, Data) {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = arguments
    process.currentDirectoryURL = URL(fileURLWithPath: packageRoot)
    let pipe = Pipe()
    process.standardOutput = pipe
    process.standardError = pipe
    try process.run()
    let data = pipe.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return (process.terminationStatus, data)
}

func bytes(_ hex: String) -> [UInt8] {
    var out = [UInt8](), chars = Array(hex.utf8)
    var i = 0
    while i + 1 < chars.count { out.append(UInt8(String(decoding: chars[i...i + 1], as: UTF8.self), radix: 16)!); i += 2 }
    return out
}

func hex(_ bytes: [UInt8]) -> String { bytes.map { String(format: "%02x", $0) }.joined() }
