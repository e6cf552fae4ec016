import ArgumentParser
import Foundation
import LifelineApp
import LifelineCore

/// `lifeline recovery-codes`: a user's saved recovery codes (docs/recovery-codes.md).
struct RecoveryCodeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "recovery-codes", abstract: "Issue, show or revoke a user's saved recovery codes.",
                                                    subcommands: [Issue.self, Status.self, Revoke.self])

    struct Issue: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Issue a new set of recovery codes (replacing the old set) and print the codes, one a line.",
            discussion: "The codes are shown only now; Lifeline keeps only salted hashes. The user's verified contacts get a notice.")
        @OptionGroup var storage: StorageOptions
        @Option(help: "Tenant name.") var tenant: String
        @Option(help: "Username.") var user: String
        func run() async throws {
            let (_, codes) = try await withRuntime(storage) { try await $0.admin.issueRecoveryCodes(tenantName: tenant, username: user, caller: .cli) }
            for code in codes { print(code) }
        }
    }

    struct Status: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Print how many of a user's recovery codes remain (0 when revoked or never issued).")
        @OptionGroup var storage: StorageOptions
        @Option(help: "Tenant name.") var tenant: String
        @Option(help: "Username.") var user: String
        func run() async throws {
            let (_, set) = try await withRuntime(storage) { try await $0.admin.recoveryCodeSet(tenantName: tenant, username: user, caller: .cli) }
            print(set?.usable ?? 0)
        }
    }

    struct Revoke: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Revoke a user's recovery codes (audited).")
        @OptionGroup var storage: StorageOptions
        @Option(help: "Tenant name.") var tenant: String
        @Option(help: "Username.") var user: String
        func run() async throws {
            let (_, set) = try await withRuntime(storage) { try await $0.admin.revokeRecoveryCodes(tenantName: tenant, username: user, caller: .cli) }
            print("revoked\t\(set.status == .revoked ? "yes" : "no")")
        }
    }
}
