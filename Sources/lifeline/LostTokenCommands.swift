import ArgumentParser
import Foundation
import LifelineApp
import LifelineCore

extension TokenCommand {
    /// `lifeline token lost --tenant T --token ID`: marks a token lost (docs/lost-token.md) and prints the temporary code on
    /// its last line; `--end` ends the code instead.
    struct Lost: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Mark a token as lost: disables it and prints a temporary code (on the last line) that replaces it for the tenant's helpdesk.lost_token_days.")
        @OptionGroup var storage: StorageOptions
        @Option(help: "Tenant name.") var tenant: String
        @Option(help: "The token's id (see `lifeline token list`).") var token: String
        @Flag(help: "End the token's temporary code instead (the token stays disabled; `token enable` when it is found).") var end = false
        func run() async throws {
            guard let id = UUID(uuidString: token) else { throw LifelineError(.invalidRequest, "--token must be a token id (UUID)") }
            if end {
                try await withRuntime(storage) { try await $0.admin.endLostToken(tenantName: tenant, tokenID: id, caller: .cli) }
                print("The temporary code of token \(id.uuidString.lowercased()) has ended; the token stays disabled.")
                return
            }
            let issued = try await withRuntime(storage) { try await $0.admin.markTokenLost(tenantName: tenant, tokenID: id, caller: .cli) }
            let pin = issued.withPIN ? " Type it after the token's PIN." : ""
            print("Token \(id.uuidString.lowercased()) of \(issued.username) is disabled; the temporary code below replaces it until \(issued.expiresAt.formatted(.iso8601)).\(pin)")
            print(issued.code)
        }
    }

    /// `lifeline token enable --tenant T --token ID`: makes a disabled token active again ("found"), which ends its
    /// temporary code and the user's emergency code.
    struct Enable: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Enable a token (also: a lost token was found; its temporary code ends).")
        @OptionGroup var storage: StorageOptions
        @Option(help: "Tenant name.") var tenant: String
        @Option(help: "The token's id.") var token: String
        func run() async throws {
            guard let id = UUID(uuidString: token) else { throw LifelineError(.invalidRequest, "--token must be a token id (UUID)") }
            let t = try await withRuntime(storage) { try await $0.admin.changeTokenState(tenantName: tenant, id: id, .enable, caller: .cli) }
            print("Token \(t.id.uuidString.lowercased()) is \(t.state.rawValue).")
        }
    }
}
