import ArgumentParser
import Foundation
import LifelineAuthenticatorKit

/// `--state FILE`, which every command takes.
struct StateOptions: ParsableArguments {
    @Option(name: .customLong("state"), help: ArgumentHelp(
        "The app's state file (created 0600; refused if others may read it).",
        valueName: "FILE"))
    var path: String = ProcessInfo.processInfo.environment["LIFELINE_AUTHENTICATOR_STATE"] ?? "~/.lifeline-authenticator.json"

    /// A client on the state file, talking HTTPS (or HTTP to loopback) with URLSession.
    func client() -> AuthenticatorClient { AuthenticatorClient(store: FileStateStore(path: path)) }
}
