import Foundation
import Testing
@testable import LifelineAuthenticatorKit

/// The built `lifeline-agent` (the interfaces outside checks use) on a prepared state file: `verify` needs no server.
/// Skipped when the binary is not built (`swift build` builds it with the tests).
let agentBinary = ProcessInfo.processInfo.environment["LIFELINE_AGENT_BIN"] ?? packageRoot + "/.build/debug/lifeline-agent"

@Suite(.enabled(if: FileManager.default.isExecutableFile(atPath: agentBinary)))
struct AgentCLITests {
    typealias F = OfflineFixture
    let t = F.firstStep + 4

    func stateFile(_ data: OfflineData = F.data()) throws -> String {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("lifeline-agent-cli-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let path = dir.appendingPathComponent("agent.json").path
        try FileAgentStateStore(path: path).update { $0.users["acme/ada"] = AgentUserState(data: data, refillToken: "SECRET-REFILL-TOKEN") }
        return path
    }

    /// Runs the agent with `input` on standard input: exit status, standard output, standard error.
    func agent(_ arguments: [String], input: String = "", environment: [String: String] = [:]) throws -> (Int32, String, String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: agentBinary)
        process.arguments = arguments
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        let stdin = Pipe(), stdout = Pipe(), stderr = Pipe()
        process.standardInput = stdin; process.standardOutput = stdout; process.standardError = stderr
        try process.run()
        stdin.fileHandleForWriting.write(Data(input.utf8)); try stdin.fileHandleForWriting.close()
        let out = stdout.fileHandleForReading.readDataToEndOfFile(), err = stderr.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: out, as: UTF8.self), String(decoding: err, as: UTF8.self))
    }

    @Test func verifyAcceptsOnceAndRefusesWrongCodes() throws {
        let s = try stateFile()
        let now = String(F.time(t))
        #expect(try agent(["--state", s, "verify", "ada", "--now", now], input: F.tokencode(t) + "\n").0 == 0)
        #expect(try agent(["--state", s, "verify", "ada", "--now", now], input: F.tokencode(t) + "\n").0 == 1, "replay")
        #expect(try agent(["verify", "ada", "--state=\(s)", "--now=\(now)"], input: "000000\n").0 == 1, "wrong")
        #expect(try agent(["--state", s, "--now", now, "verify", "ada"], input: F.tokencode(t + 1) + "\n").0 == 0, "options before the subcommand")
        let env = try agent(["--state", s, "verify", "ada"], input: F.tokencode(t + 2) + "\n", environment: ["LIFELINE_AGENT_NOW": String(F.time(t + 2))])
        #expect(env.0 == 0, "LIFELINE_AGENT_NOW: \(env.2)")
        // The server options are accepted (and unused) by verify.
        #expect(try agent(["--server", "http://127.0.0.1:1", "--key", "k", "--state", s, "verify", "ada", "--now", String(F.time(t + 3))],
                          input: F.tokencode(t + 3) + "\n").0 == 0)
        let late = try agent(["--state", s, "verify", "ada", "--now", String(F.data().expiresAt + 1)], input: F.tokencode(t + 5) + "\n")
        #expect(late.0 == 1 && late.1.contains("not valid"))
    }

    @Test func failureCapWipes() throws {
        let s = try stateFile(F.data(maxFailures: 2))
        let now = String(F.time(t))
        #expect(try agent(["--state", s, "verify", "ada", "--now", now], input: "000000\n").0 == 1)
        let second = try agent(["--state", s, "verify", "ada", "--now", now], input: "000000\n")
        #expect(second.0 == 1 && second.1.contains("wiped"))
        #expect(try agent(["--state", s, "verify", "ada", "--now", now], input: F.tokencode(t) + "\n").0 == 1, "no data left")
    }

    @Test func statusShowsNoSecretAndWipeRemoves() throws {
        let s = try stateFile(F.data(emergencyUntil: F.start + 3600))
        let status = try agent(["--state", s, "status", "--now", String(F.time(t))])
        #expect(status.0 == 0 && status.1.contains("acme/ada") && status.1.contains("failures 0/3") && status.1.contains("emergency codes"))
        #expect(!status.1.contains("SECRET-REFILL-TOKEN") && !status.1.contains(F.data().tags.prefix(12)))
        #expect(try agent(["--state", s, "wipe", "ada"]).0 == 0)
        #expect(try agent(["--state", s, "wipe", "ada"]).0 == 1)
        #expect(try agent(["--state", s, "status", "ada"]).0 == 1)
    }

    @Test func usageErrorsAndHelp() throws {
        let s = try stateFile()
        #expect(try agent(["--state", s, "authenticate", "ada"], input: "123456\n", environment: ["LIFELINE_AGENT_KEY": ""]).0 == 2, "no server")
        #expect(try agent(["--state", s, "frobnicate"]).0 == 2)
        for sub in ["authenticate", "verify", "refill", "status", "wipe"] {
            #expect(try agent([sub, "--help"]).0 == 0, "\(sub)")
        }
    }
}
