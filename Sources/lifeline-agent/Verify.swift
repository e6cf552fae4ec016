import ArgumentParser
import Foundation
import LifelineAuthenticatorKit

/// `verify USER`: offline verification, no network.
struct Verify: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Verify USER's passcode (standard input) offline with the stored data; no network is used.",
        discussion: "Exit status: 0 accepted, 1 anything else (wrong, replayed, expired, wiped at the failure cap, no data, unreadable state).")

    @Argument(help: "The username (or TENANT/USER).")
    var user: String
    @OptionGroup var options: AgentOptions

    func run() async throws {
        // Why exit 1 for every failure here: a login screen asks one question, accepted or not.
        let outcome: OfflineVerification
        do {
            let passcode = try PasscodeReader.read()
            outcome = try await options.client().verify(user: user, passcode: passcode, now: options.currentTime())
        } catch let e as AgentClientError {
            LifelineAgent.fail(e.description, status: 1)
        } catch let e as AgentError {
            LifelineAgent.fail(e.message, status: 1)
        } catch {
            LifelineAgent.fail("\(error)", status: 1)
        }
        switch outcome {
        case .accepted(let step): print("accepted (time step \(step))")
        case .acceptedEmergency(let kind): print("accepted (offline emergency access tokencode, kind \(kind.rawValue))")
        case .rejected: print("rejected"); throw ExitCode(1)
        case .expired: print("rejected: the offline data is not valid at this time (expired?); authenticate online"); throw ExitCode(1)
        case .wiped: print("rejected: too many failures, the offline data was wiped; authenticate online"); throw ExitCode(1)
        }
    }
}
