import ArgumentParser
import Foundation
import LifelineApp
import LifelineCore

/// `lifeline agent register|list|revoke --tenant T …`: the organization's laptop agents (issue 17), as the console's
/// Agents page and the admin API's `/tenants/{tenant}/agents` manage them.
struct AgentCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "agent", abstract: "Laptop agents of offline authentication.",
                                                    subcommands: [Register.self, List.self, Revoke.self])

    struct Register: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Register a machine as an agent of the organization; prints the agent's API key (role agent) alone on the last line, once.")
        @OptionGroup var storage: StorageOptions
        @Option(help: "Tenant (organization) name.") var tenant: String
        @Argument(help: "The agent's name (1–64 printable characters, unique among the tenant's live agents).") var name: String
        func run() async throws {
            let registered = try await withRuntime(storage) { try await $0.offline.registerAgent(tenantName: tenant, name: name, caller: .cli) }
            print("registered agent \(registered.agent.name) (\(registered.agent.id.uuidString.lowercased())) of \(tenant); its key is shown only now:")
            // The key alone on the last line: an interface that scripts and outside checks use (issue 17).
            print(registered.key)
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List the organization's agents: id, name, state, created, last seen, created by.")
        @OptionGroup var storage: StorageOptions
        @Option(help: "Tenant (organization) name.") var tenant: String
        func run() async throws {
            let agents = try await withRuntime(storage) { try await $0.offline.agents(tenantName: tenant, caller: .cli) }
            print("id\tname\tstate\tcreated\tlast_seen\tcreated_by")
            for a in agents {
                print([a.id.uuidString.lowercased(), a.name, a.revokedAt == nil ? "live" : "revoked", CLITime.text(a.createdAt),
                       CLITime.text(a.lastSeenAt), a.createdBy].joined(separator: "\t"))
            }
        }
    }

    struct Revoke: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Revoke an agent by name or id: its key stops working and its machines' offline data ends at the next contact.")
        @OptionGroup var storage: StorageOptions
        @Option(help: "Tenant (organization) name.") var tenant: String
        @Argument(help: "The agent's name or id.") var agent: String
        func run() async throws {
            let revoked = try await withRuntime(storage) { rt -> Agent in
                let live = try await rt.offline.agents(tenantName: tenant, caller: .cli).filter { $0.revokedAt == nil }
                // An id first (exact), else the live agent of that name (names are unique among live agents, case-insensitively).
                guard let target = live.first(where: { $0.id == UUID(uuidString: agent) })
                        ?? live.first(where: { $0.name.lowercased() == agent.lowercased() }) else {
                    throw LifelineError(.notFound, "no live agent '\(agent)' in \(tenant)")
                }
                try await rt.offline.revokeAgent(tenantName: tenant, agentID: target.id, caller: .cli)
                return target
            }
            print("revoked agent \(revoked.name) (\(revoked.id.uuidString.lowercased())) of \(tenant)")
        }
    }
}

/// Times as the commands print them: ISO 8601, `-` for none.
enum CLITime {
    static func text(_ date: Date?) -> String { date.map { $0.formatted(.iso8601) } ?? "-" }
}
