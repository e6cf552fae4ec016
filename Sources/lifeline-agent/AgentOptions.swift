import ArgumentParser
import Foundation
import LifelineAuthenticatorKit

/// The options every command takes (also before the subcommand): the state file, the server and key of the online
/// commands, the settable clock, the machine's name.
struct AgentOptions: ParsableArguments {
    @Option(name: .customLong("state"), help: ArgumentHelp(
        "The agent's state file (created 0600; refused if others may read it). Default: $LIFELINE_AGENT_STATE or ~/.lifeline-agent.json.",
        valueName: "FILE"))
    var path: String = ProcessInfo.processInfo.environment["LIFELINE_AGENT_STATE"] ?? "~/.lifeline-agent.json"

    @Option(help: ArgumentHelp("The server's base URL (https://, or http:// to loopback); online commands only.", valueName: "URL"))
    var server: String?

    @Option(help: ArgumentHelp("The agent's API key (default: $LIFELINE_AGENT_KEY); online commands only.", valueName: "KEY"))
    var key: String?

    @Option(help: ArgumentHelp("The clock, as Unix seconds (default: $LIFELINE_AGENT_NOW, else the system clock); for tests.", valueName: "UNIX_SECONDS"))
    var now: Int64?

    @Option(help: ArgumentHelp("This machine's name as the server records it (default: the host name).", valueName: "NAME"))
    var machine: String?

    /// The client on the state file.
    func client() -> AgentClient {
        AgentClient(store: FileAgentStateStore(path: path), server: server,
                    key: key ?? ProcessInfo.processInfo.environment["LIFELINE_AGENT_KEY"])
    }

    /// The settable clock: `--now`, else `LIFELINE_AGENT_NOW`, else the system clock.
    func currentTime() throws -> Int64 {
        if let now { return now }
        if let text = ProcessInfo.processInfo.environment["LIFELINE_AGENT_NOW"], !text.isEmpty {
            guard let value = Int64(text) else { throw AgentError(message: "LIFELINE_AGENT_NOW is not Unix seconds", status: 2) }
            return value
        }
        return Int64(Date().timeIntervalSince1970)
    }

    /// The machine's name: `--machine`, else the host name's first label; 1–64 printable characters.
    func machineName() -> String {
        let name = machine ?? ProcessInfo.processInfo.hostName
        let printable = name.unicodeScalars.filter { $0.value >= 0x20 && $0.value != 0x7F }
        let text = String(String.UnicodeScalarView(printable)).trimmingCharacters(in: .whitespaces)
        return text.isEmpty ? "unknown" : String(text.prefix(64))
    }
}

/// Reads a passcode: the first line of standard input. Never echoed or printed.
enum PasscodeReader {
    static func read() throws -> String {
        guard let line = readLine(strippingNewline: true) else { throw AgentError(message: "no passcode on standard input", status: 2) }
        let passcode = line.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !passcode.isEmpty else { throw AgentError(message: "no passcode on standard input", status: 2) }
        // Why a limit: nothing longer is a passcode, and the server limits it too.
        guard passcode.utf8.count <= 128 else { throw AgentError(message: "the passcode is too long", status: 2) }
        return passcode
    }
}

/// A date for people: `2026-12-14 23:52 UTC`.
func displayDate(_ unix: Int64) -> String {
    let f = DateFormatter()
    f.locale = Locale(identifier: "en_US_POSIX")
    f.timeZone = TimeZone(identifier: "UTC")
    f.dateFormat = "yyyy-MM-dd HH:mm 'UTC'"
    return f.string(from: Date(timeIntervalSince1970: TimeInterval(unix)))
}
