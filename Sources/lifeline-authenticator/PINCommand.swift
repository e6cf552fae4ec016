import ArgumentParser
import Foundation
import LifelineAuthenticatorKit

/// `pin reset --org T`: sets a new PIN while an operator holds "Reset PIN with the user present" open (seed 004).
struct PINCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "pin", abstract: "The PIN.", subcommands: [Reset.self])

    struct Reset: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Set a new PIN while your organization's operator holds a PIN reset open for you (you are with them).")

        @Option(help: "The organization (tenant name or id) whose operator holds the reset open.")
        var org: String
        @Flag(help: "Read the NEW PIN from the first line of standard input.")
        var pinStdin = false
        @OptionGroup var state: StateOptions

        func run() async throws {
            let client = state.client()
            let pin = try PINReader.new(stdin: pinStdin, prompt: "Choose a new PIN (digits): ")
            _ = try await client.resetPIN(organization: org, newPIN: pin)
            print("Your new PIN is set.")
        }
    }
}
