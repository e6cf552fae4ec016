import ArgumentParser
import Foundation
import LifelineApp
import LifelineCore

/// `lifeline offline windows|end --tenant T --user U`: the offline data windows issued to a user's machines (issue 17).
struct OfflineCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "offline", abstract: "Offline authentication data issued to users' machines.",
                                                    subcommands: [Windows.self, End.self])

    struct Windows: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List the user's offline windows, newest first: id, agent, machine, token, issued, until, state.")
        @OptionGroup var storage: StorageOptions
        @Option(help: "Tenant (organization) name.") var tenant: String
        @Option(help: "Username.") var user: String
        func run() async throws {
            let grants = try await withRuntime(storage) { try await $0.offline.grants(tenantName: tenant, username: user, caller: .cli) }
            print("id\tagent\tmachine\ttoken\tissued\tuntil\tstate")
            for g in grants {
                print([g.id.uuidString.lowercased(), g.agentName, g.machine, g.tokenID.uuidString.lowercased(), CLITime.text(g.issuedAt),
                       CLITime.text(g.expiresAt), g.state].joined(separator: "\t"))
            }
        }
    }

    struct End: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "End every live offline window of the user; the machines wipe the data at their next contact.")
        @OptionGroup var storage: StorageOptions
        @Option(help: "Tenant (organization) name.") var tenant: String
        @Option(help: "Username.") var user: String
        func run() async throws {
            let ended = try await withRuntime(storage) { try await $0.offline.revokeGrants(tenantName: tenant, username: user, caller: .cli) }
            print("ended \(ended) offline window\(ended == 1 ? "" : "s") of \(user) at \(tenant)")
        }
    }
}

extension TokenCommand {
    /// `lifeline token offline-codes --tenant T --token ID [--reset] [--online on|off]`: the console's "Manage emergency
    /// access tokencodes" (seed 003): prints the token's offline emergency access tokencodes after the changes asked for.
    struct OfflineCodes: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "offline-codes",
            abstract: "Show a token's offline emergency access tokencodes (both kinds), their expiry, whether downloaded and online use; optionally reset them or switch online use.")
        @OptionGroup var storage: StorageOptions
        @Option(help: "Tenant (organization) name.") var tenant: String
        @Option(help: "The token's id.") var token: String
        @Flag(help: "Reset offline emergency access tokencode: new codes, downloaded at the user's next online authentication.") var reset = false
        @Option(help: "Use offline code for online access: on or off.") var online: String?
        func run() async throws {
            guard let id = UUID(uuidString: token) else { throw LifelineError(.invalidRequest, "--token must be a token id (a UUID)") }
            let onlineUse: Bool? = try online.map {
                switch $0.lowercased() {
                case "on": return true
                case "off": return false
                default: throw LifelineError(.invalidRequest, "--online must be on or off")
                }
            }
            let view = try await withRuntime(storage) { rt -> OfflineEmergencyView in
                if reset { _ = try await rt.offline.resetEmergencyCodes(tenantName: tenant, tokenID: id, caller: .cli) }
                if let onlineUse { _ = try await rt.offline.setEmergencyOnlineUse(tenantName: tenant, tokenID: id, on: onlineUse, caller: .cli) }
                return try await rt.offline.emergencyCodes(tenantName: tenant, tokenID: id, caller: .cli)
            }
            if !view.permitted { print("note: the organization's offline policy does not permit offline emergency access tokencodes for this user") }
            print("tokencode: \(view.tokencode ?? "-")\t(\(view.needsPIN ? "with the PIN" : "without PIN"))")
            print("passcode: \(view.passcode ?? "-")\t(replaces PIN and tokencode)")
            print("expires: \(CLITime.text(view.expiresAt))")
            print("downloaded: \(view.downloaded ? "yes" : "no")")
            print("online use: \(view.onlineUse ? "on" : "off")")
        }
    }
}

extension UserCommand {
    /// `lifeline user groups --tenant T USER [--set a,b,c]`: the user's groups, which the offline policy's `groups` names.
    struct Groups: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show the user's groups, one a line; with --set, replace them first (an empty --set clears them).")
        @OptionGroup var storage: StorageOptions
        @Option(help: "Tenant name.") var tenant: String
        @Argument(help: "Username.") var username: String
        @Option(help: "Comma-separated group names that replace the user's groups.") var set: String?
        func run() async throws {
            let groups = try await withRuntime(storage) { rt -> [String] in
                if let set {
                    let names = set.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
                    return try await rt.offline.setGroups(tenantName: tenant, username: username, groups: names, caller: .cli)
                }
                return try await rt.offline.groups(tenantName: tenant, username: username, caller: .cli)
            }
            for g in groups { print(g) }
        }
    }
}
