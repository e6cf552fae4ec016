import ArgumentParser
import Foundation
import LifelineAuthenticatorKit

/// `unblock --org T --ubc UBC`: online, sets the new PIN and unblocks that organization; `--offline`, prints the
/// 9-digit code (n + 5 digits for an n-digit PIN) to type with the username at the organization's login.
struct Unblock: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Unblock an organization with its unblocking code (UBC) and set a new PIN (online, or --offline: print the 9-digit code).")

    @Option(help: "The organization (tenant name or id).")
    var org: String
    @Option(help: "The 8-digit unblocking code (UBC) your organization's helpdesk gave you.")
    var ubc: String
    @Flag(help: "Compute the offline unblock code (UBC + new PIN; valid 2 minutes on the server's clock) instead of asking the server.")
    var offline = false
    @Flag(help: "Read the NEW PIN from the first line of standard input.")
    var pinStdin = false
    @OptionGroup var state: StateOptions

    func run() async throws {
        let client = state.client()
        let pin = try PINReader.new(stdin: pinStdin, prompt: "Choose a new PIN (digits): ")
        if offline {
            let code = try await client.offlineUnblockCode(organization: org, ubc: ubc, newPIN: pin)
            let username = try await client.state().organization(org)?.username ?? "your username"
            print("Type this code with your username (\(username)) at \(org)'s login within 2 minutes; it signs you in once and sets your new PIN.")
            print("Unblock each other blocked organization with its own UBC.")
            print(code)
        } else {
            let answer = try await client.unblock(organization: org, ubc: ubc, newPIN: pin)
            print("Unblocked \(org); your new PIN is set.")
            let blocked = answer.organizations.filter { $0.state == "blocked" }.map(\.tenant)
            if !blocked.isEmpty { print("Still blocked (each needs its own UBC): \(blocked.joined(separator: ", "))") }
        }
    }
}
