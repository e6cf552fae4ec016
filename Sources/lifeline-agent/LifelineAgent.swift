import ArgumentParser
import Foundation
import LifelineAuthenticatorKit

/// `lifeline-agent`: the reference laptop agent of offline authentication (issue 17) on the command line (tests,
/// demos, the README tour), built on LifelineAuthenticatorKit.
///
/// Exit status: 0 accepted / done; 1 refused (a rejected passcode online; offline: wrong, replayed, expired, wiped or
/// no data; a revoked agent or data; nothing to wipe); 2 usage or transport error (bad arguments, the server
/// unreachable or answering 5xx, an unsafe state file) — except `verify`, which answers 1 for anything but acceptance.
@main
struct LifelineAgent: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "lifeline-agent",
        abstract: "The Lifeline reference laptop agent: online authentication with download of offline data, offline verification.",
        discussion: """
        Passcodes are read from standard input (one line). Exit status: 0 accepted or done, 1 refused (verify: anything \
        but acceptance), 2 usage or transport error. A passcode, key or refill token is never printed.
        """,
        subcommands: [Authenticate.self, Verify.self, Refill.self, Status.self, Wipe.self, BenchVerify.self])

    /// Runs the command; errors end with one line on standard error and the documented exit status.
    static func main() async {
        do {
            var command = try parseAsRoot(arguments(CommandLine.arguments.dropFirst()))
            if var async = command as? any AsyncParsableCommand { try await async.run() } else { try command.run() }
        } catch let error as AgentClientError {
            fail(error.description, status: Self.status(for: error))
        } catch let error as AgentError {
            fail(error.message, status: error.status)
        } catch {
            if exitCode(for: error) == .success { exit(withError: error) }
            if let code = error as? ExitCode { Foundation.exit(code.rawValue) }
            // Why not ArgumentParser's 64: the documented usage status is 2.
            FileHandle.standardError.write(Data((fullMessage(for: error) + "\n").utf8))
            Foundation.exit(2)
        }
    }

    /// The options every command takes (`--state`, `--server`, `--key`, `--now`, `--machine`, with a value, as
    /// `--name VALUE` or `--name=VALUE`) given before the subcommand, moved after it, so that
    /// `lifeline-agent --state S --server URL --key K authenticate USER` works as well as
    /// `lifeline-agent authenticate USER --state S ...`.
    static func arguments(_ given: ArraySlice<String>) -> [String] {
        let global = ["--state", "--server", "--key", "--now", "--machine"]
        var args = Array(given), moved: [String] = []
        while let first = args.first, global.contains(where: { first == $0 || first.hasPrefix($0 + "=") }) {
            let take = global.contains(first) ? min(2, args.count) : 1
            moved += args.prefix(take); args.removeFirst(take)
        }
        guard !moved.isEmpty else { return args }
        args.insert(contentsOf: moved, at: args.isEmpty ? 0 : 1)
        return args
    }

    static func status(for error: AgentClientError) -> Int32 {
        switch error {
        case .agentRevoked, .noData: return 1
        case .server(let status, _, _): return status < 500 ? 1 : 2
        default: return 2
        }
    }

    static func fail(_ message: String, status: Int32) -> Never {
        FileHandle.standardError.write(Data("lifeline-agent: \(message)\n".utf8))
        Foundation.exit(status)
    }
}

/// A failure of the agent itself (reading the passcode), with its exit status.
struct AgentError: Error {
    var message: String
    var status: Int32
}
