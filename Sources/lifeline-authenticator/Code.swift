import ArgumentParser
import Foundation
import LifelineAuthenticatorKit

/// `code --org T`: an online code from the server, or `--offline` the 8-digit offline code; the code alone on the
/// last line of standard output.
struct Code: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Print a one-time code for an organization (online from the server, or --offline); the code is on the last line.")

    @Option(help: "The organization (tenant name or id).")
    var org: String
    @Flag(help: "Compute the offline code (8 digits, new every 30 s) instead of asking the server.")
    var offline = false
    @Flag(help: "Read the PIN from the first line of standard input.")
    var pinStdin = false
    @OptionGroup var state: StateOptions

    func run() async throws {
        let client = state.client()
        let pin = try PINReader.current(stdin: pinStdin, prompt: "PIN: ")
        if offline {
            let code = try await client.offlineCode(organization: org, pin: pin)
            if let known = try await client.state().organization(org), known.state != "active" {
                FileHandle.standardError.write(Data("lifeline-authenticator: warning: \(known.tenant) was last known \(known.state); the code will be refused\n".utf8))
            }
            print("Offline code for \(org) (changes every 30 s; a wrong PIN gives a wrong code, which counts as a wrong PIN):")
            print(code)
        } else {
            let code = try await client.code(organization: org, pin: pin)
            print("Online code for \(org), valid \(code.expiresIn) s, single use:")
            print(code.code)
        }
    }
}
