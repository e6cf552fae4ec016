#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation
import Testing
@testable import LifelineAuthenticatorKit

/// The built `lifeline-authenticator` (the interfaces outside checks use): the offline commands need no server, so they
/// run here on a prepared state file. Skipped when the binary is not built (`swift build` builds it with the tests).
/// The app's binary (LIFELINE_AUTHENTICATOR_BIN, else the debug build).
let referenceAppBinary = ProcessInfo.processInfo.environment["LIFELINE_AUTHENTICATOR_BIN"] ?? packageRoot + "/.build/debug/lifeline-authenticator"

@Suite(.enabled(if: FileManager.default.isExecutableFile(atPath: referenceAppBinary)))
struct ReferenceAppTests {
    let orgKey = Array(repeating: UInt8(0x42), count: 32)
    let pinKey = Array(repeating: UInt8(0x17), count: 32)
    let tenantID = "5c0ffee0-1234-4abc-8def-0123456789ab"

    func stateFile() throws -> String {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("lifeline-app-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let path = dir.appendingPathComponent("state.json").path
        let org = StoredOrganization(tenant: "acme", tenantID: tenantID, username: "ada", orgKey: Data(orgKey), state: "active")
        try FileStateStore(path: path).save(AuthenticatorState(deviceID: "d1", deviceKey: Data(SoftwareDeviceKey().persistentRepresentation),
                                                               pinKey: Data(pinKey), server: "https://id.example.org", organizations: [org]))
        return path
    }

    /// Runs the app with `input` on standard input: exit status, standard output, standard error.
    func app(_ arguments: [String], input: String = "") throws -> (Int32, String, String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: referenceAppBinary)
        process.arguments = arguments
        let stdin = Pipe(), stdout = Pipe(), stderr = Pipe()
        process.standardInput = stdin; process.standardOutput = stdout; process.standardError = stderr
        try process.run()
        stdin.fileHandleForWriting.write(Data(input.utf8)); try stdin.fileHandleForWriting.close()
        let out = stdout.fileHandleForReading.readDataToEndOfFile(), err = stderr.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: out, as: UTF8.self), String(decoding: err, as: UTF8.self))
    }

    func steps(around block: () throws -> Void) rethrows -> ClosedRange<Int64> {
        let before = AuthenticatorCode.step(unixTime: Int64(Date().timeIntervalSince1970))
        try block()
        return before...AuthenticatorCode.step(unixTime: Int64(Date().timeIntervalSince1970))
    }

    @Test func offlineCodeIsAloneOnTheLastLine() throws {
        let state = try stateFile()
        var result: (Int32, String, String) = (0, "", "")
        let range = try steps { result = try app(["code", "--org", "acme", "--offline", "--pin-stdin", "--state", state], input: "4711\n") }
        #expect(result.0 == 0)
        let last = result.1.split(separator: "\n").last.map(String.init)
        let verifier = AuthenticatorCode.pinVerifier(pinKey: pinKey, pin: "4711")
        #expect(range.contains { AuthenticatorCode.offlineCode(orgKey: orgKey, pinVerifier: verifier, step: $0) == last })
        #expect(!result.1.contains("4711") && !result.2.contains("4711"))
    }

    @Test func offlineUnblockCodeIsAloneOnTheLastLine() throws {
        let state = try stateFile()
        var result: (Int32, String, String) = (0, "", "")
        let range = try steps { result = try app(["unblock", "--org", "acme", "--ubc", "40718265", "--offline", "--pin-stdin", "--state", state], input: "3852\n") }
        #expect(result.0 == 0)
        let last = try #require(result.1.split(separator: "\n").last.map(String.init))
        #expect(last.count == 9)
        #expect(range.contains { AuthenticatorCode.openUnblockCode(last, orgKey: orgKey, organization: tenantID, ubc: "40718265", step: $0) == "3852" })
        // Neither the new PIN nor the UBC is printed.
        #expect(!result.1.contains("3852") && !result.1.contains("40718265") && !result.2.contains("40718265"))
    }

    @Test func exitStatusesAreTheDocumentedOnes() throws {
        let state = try stateFile()
        #expect(try app(["--help"]).0 == 0)
        for command in [["activate"], ["code"], ["unblock"], ["pin", "reset"], ["status"], ["organizations"]] {
            let (status, out, _) = try app(command + ["--help"])
            #expect(status == 0 && out.contains("--state"), "\(command)")
        }
        #expect(try app(["code", "--org", "acme", "--offline", "--pin-stdin", "--state", state], input: "47\n").0 == 1)  // ill-formed PIN
        let weak = try app(["unblock", "--org", "acme", "--ubc", "40718265", "--offline", "--pin-stdin", "--state", state], input: "1234\n")
        #expect(weak.0 == 1 && weak.2.contains("weak_pin"))
        #expect(try app(["code", "--org", "nope", "--offline", "--pin-stdin", "--state", state], input: "4711\n").0 == 2)
        #expect(try app(["activate", "https://example.org", "--pin-stdin", "--state", state], input: "4711\n").0 == 2)
        #expect(try app(["code", "--bogus"]).0 == 2)
        chmod(state, 0o640)
        let open = try app(["organizations", "--state", state])
        #expect(open.0 == 2 && open.2.contains("chmod 600"))
    }
}
