import ArgumentParser
import Foundation
import LifelineAuthenticatorKit

/// `authenticate USER`: online authentication; on acceptance the user's offline data for this machine is stored.
struct Authenticate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Authenticate USER online (passcode from standard input) and store their offline data for this machine.",
        discussion: "Needs --server and --key. Exit status: 0 accepted, 1 rejected (or the agent revoked), 2 usage or transport error.")

    @Argument(help: "The username.")
    var user: String
    @OptionGroup var options: AgentOptions

    func run() async throws {
        let passcode = try PasscodeReader.read()
        let client = options.client()
        let answer = try await client.authenticate(user: user, passcode: passcode, machine: options.machineName(), now: options.currentTime())
        guard answer.result == "accept" else {
            print("rejected")
            throw ExitCode(1)
        }
        if let data = answer.offline {
            print("accepted; offline data until \(displayDate(data.expiresAt)) (\(data.steps) steps of \(data.period) s\(data.emergency == nil ? "" : ", with emergency access tokencodes"))")
        } else {
            print("accepted; no offline data: \(answer.offlineReason ?? "none issued")")
        }
    }
}

/// `refill USER`: extends the user's offline data with its refill token (no passcode).
struct Refill: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Extend USER's offline data with its refill token (no passcode); a revoked answer wipes it.",
        discussion: "Needs --server and --key. Exit status: 0 refilled, 1 revoked (data wiped) or no data, 2 usage or transport error.")

    @Argument(help: "The username (or TENANT/USER).")
    var user: String
    @OptionGroup var options: AgentOptions

    func run() async throws {
        let answer = try await options.client().refill(user: user, machine: options.machine, now: options.currentTime())
        if answer.result == "refilled", let data = answer.offline {
            print("refilled; offline data until \(displayDate(data.expiresAt))")
        } else {
            print("revoked (\(answer.offlineReason ?? "revoked")); the offline data of \(user) was wiped")
            throw ExitCode(1)
        }
    }
}
