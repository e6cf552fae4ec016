import ArgumentParser
import Foundation
import LifelineApp
import LifelineCore

/// `lifeline operator …`: the console's operators (docs/console.md). The CLI acts as a global administrator, so it
/// may create the first superuser.
struct OperatorCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "operator", abstract: "Manage console operators.",
                                                    subcommands: [Create.self, List.self, Disable.self, Enable.self, Reset.self])

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Create an operator and print its one-time enrolment link (valid 24 h).")
        @OptionGroup var storage: StorageOptions
        @Argument(help: "Operator name (a-z, 0-9, '.', '_', '-').") var name: String
        @Option(help: "Role: auditor, helpdesk, useradmin, tenant-admin or superuser.") var role: String
        @Option(name: .customLong("tenant"), help: "A tenant the operator works in (repeatable; a superuser works in all).") var tenants: [String] = []
        func run() async throws {
            guard let role = Role(rawValue: role), Role.operatorRoles.contains(role) else {
                throw LifelineError(.invalidRequest, "--role must be one of \(Role.operatorRoles.map(\.rawValue).joined(separator: ", "))")
            }
            let (created, base) = try await withRuntime(storage) { rt in
                (try await rt.operators.create(name: name, role: role, tenants: tenants, caller: .cli), rt.publicBaseURL)
            }
            if role == .superuser, !tenants.isEmpty {
                FileHandle.standardError.write(Data("note: a superuser acts in every organization; --tenant changes nothing\n".utf8))
            }
            print("created operator \(created.op.name) (\(role.rawValue)); give them this link, valid until \(created.expiresAt.formatted(.iso8601)):")
            // On a line of its own (an interface outside checks use: issue 15).
            print(base + "/console/enrol/" + created.enrolmentToken)
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List operators: name, role, state and organizations.")
        @OptionGroup var storage: StorageOptions
        func run() async throws {
            for entry in try await withRuntime(storage, { try await $0.operators.list(caller: .cli) }) {
                let tenants = entry.op.role == .superuser ? "*" : entry.tenants.joined(separator: ",")
                print("\(entry.op.name)\t\(entry.op.role.rawValue)\t\(entry.op.state.rawValue)\t\(tenants)")
            }
        }
    }

    struct Disable: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Disable an operator and end its sessions.")
        @OptionGroup var storage: StorageOptions
        @Argument(help: "Operator name.") var name: String
        func run() async throws {
            let op = try await withRuntime(storage) { try await $0.operators.setDisabled(name: name, true, caller: .cli) }
            print("operator \(op.name) is \(op.state.rawValue)")
        }
    }

    struct Enable: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Enable a disabled operator.")
        @OptionGroup var storage: StorageOptions
        @Argument(help: "Operator name.") var name: String
        func run() async throws {
            let op = try await withRuntime(storage) { try await $0.operators.setDisabled(name: name, false, caller: .cli) }
            print("operator \(op.name) is \(op.state.rawValue)")
        }
    }

    struct Reset: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Print a new enrolment link (new password and TOTP); ends the operator's sessions.")
        @OptionGroup var storage: StorageOptions
        @Argument(help: "Operator name.") var name: String
        func run() async throws {
            let (created, base) = try await withRuntime(storage) { rt in (try await rt.operators.reset(name: name, caller: .cli), rt.publicBaseURL) }
            print("reset operator \(created.op.name); give them this link, valid until \(created.expiresAt.formatted(.iso8601)):")
            print(base + "/console/enrol/" + created.enrolmentToken)
        }
    }
}
