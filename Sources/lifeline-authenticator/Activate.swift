import ArgumentParser
import Foundation
import LifelineAuthenticatorKit

/// `activate URI`: links the app to the organization of an activation URI (a new app sets its PIN; an app already
/// activated adds the organization and proves its PIN).
struct Activate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Activate the app with a lifeline://activate?... URI (new app: set the PIN; else: add the organization).")

    @Argument(help: "The activation URI (lifeline://activate?v=1&server=...&tenant=...&user=...&code=...).")
    var uri: String
    @Flag(help: "Read the PIN from the first line of standard input (a new app's new PIN, else the current PIN).")
    var pinStdin = false
    @Option(help: "A name you recognise for this app (default: the host name).")
    var name: String?
    @Option(help: "The device model shown to operators.")
    var model = "lifeline-authenticator"
    @OptionGroup var state: StateOptions

    func run() async throws {
        let client = state.client()
        guard ActivationURI(uri) != nil else { throw AuthenticatorClientError.badURI }
        let existing = try await client.state().isActivated
        let pin = existing
            ? try PINReader.current(stdin: pinStdin, prompt: "Your PIN: ")
            : try PINReader.new(stdin: pinStdin, prompt: "Choose a PIN (digits): ")
        let organization = try await client.activate(uri: uri, pin: pin, name: name ?? ProcessInfo.processInfo.hostName, model: model)
        let device = try await client.state().deviceID ?? ""
        print("Activated at \(organization.tenant) as \(organization.username) (device \(device)).")
        if existing { print("The organization was added; your PIN is the same for all your organizations.") }
    }
}
