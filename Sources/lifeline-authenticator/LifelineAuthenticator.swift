import ArgumentParser
import Foundation
import LifelineAuthenticatorKit

/// `lifeline-authenticator`: the reference Lifeline Authenticator app on the command line (tests, demos, the README
/// tour), built on LifelineAuthenticatorKit.
///
/// Exit status: 0 done; 1 refused (a wrong or blocked PIN, a wrong, blocked or missing UBC, a weak PIN, a deactivated
/// app, any other refusal by the server); 2 usage or transport error (bad arguments, a bad activation URI, an unknown
/// organization, the server unreachable or answering 5xx, an unsafe or unreadable state file).
@main
struct LifelineAuthenticator: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "lifeline-authenticator",
        abstract: "The Lifeline Authenticator reference app: activation, online and offline codes, unblocking.",
        discussion: """
        Exit status: 0 done, 1 refused (wrong_pin, pin_blocked, organization_blocked, wrong_ubc, ubc_blocked, no_ubc, \
        weak_pin, deactivated, ...), 2 usage or transport error. A PIN, UBC or key is never printed.
        """,
        subcommands: [Activate.self, Code.self, Unblock.self, PINCommand.self, Status.self, Organizations.self])

    /// Runs the command; errors end with one line on standard error and the documented exit status.
    static func main() async {
        do {
            var command = try parseAsRoot()
            if var async = command as? any AsyncParsableCommand { try await async.run() } else { try command.run() }
        } catch let error as AuthenticatorClientError {
            fail(error.description, status: Self.status(for: error))
        } catch let error as AppError {
            fail(error.message, status: error.status)
        } catch {
            if exitCode(for: error) == .success { exit(withError: error) }
            // Why not ArgumentParser's 64: the documented usage status is 2.
            FileHandle.standardError.write(Data((fullMessage(for: error) + "\n").utf8))
            Foundation.exit(2)
        }
    }

    static func status(for error: AuthenticatorClientError) -> Int32 {
        switch error {
        case .refused, .weakPIN, .illFormedPIN, .illFormedUBC: return 1
        case .server(let status, _, _): return status < 500 ? 1 : 2
        default: return 2
        }
    }

    static func fail(_ message: String, status: Int32) -> Never {
        FileHandle.standardError.write(Data("lifeline-authenticator: \(message)\n".utf8))
        Foundation.exit(status)
    }
}

/// A failure of the app itself (reading the PIN), with its exit status.
struct AppError: Error {
    var message: String
    var status: Int32
}
