import ArgumentParser
import Foundation
import LifelineAuthenticatorKit

/// `status`: the organizations and their states as the server tells them now.
struct Status: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Ask the server for your organizations and which are blocked.")

    @OptionGroup var state: StateOptions

    func run() async throws {
        let client = state.client()
        let answer = try await client.status()
        if answer.result != .ok { FileHandle.standardError.write(Data("lifeline-authenticator: \(AuthenticatorClientError.describe(answer))\n".utf8)) }
        print("PIN: \(answer.pinBlocked ? "BLOCKED (every organization is blocked)" : "not blocked")")
        for o in answer.organizations { print("\(o.tenant)\t\(o.username)\t\(o.state)") }
        if answer.result != .ok { throw ExitCode(1) }
    }
}

/// `organizations`: the organizations and their last known states, without asking the server.
struct Organizations: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "List your organizations and their last known states (no network; 'status' asks the server).")

    @OptionGroup var state: StateOptions

    func run() async throws {
        let saved = try await state.client().state()
        guard saved.isActivated else { throw AuthenticatorClientError.notActivated }
        print("Server: \(saved.server ?? "?")")
        for o in saved.organizations { print("\(o.tenant)\t\(o.username)\t\(o.state)\t\(o.tenantID)") }
    }
}
