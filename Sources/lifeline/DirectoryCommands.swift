import ArgumentParser
import Foundation
import LifelineApp
import LifelineCore

/// `lifeline directory …`: users from an organization's directory (docs/directory-users.md).
struct DirectoryCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "directory", abstract: "Users from an organization's directory.",
                                                    subcommands: [Sync.self, Status.self])

    struct Sync: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Synchronize a tenant's users with its directory now; users no longer in it are disabled.")
        @OptionGroup var storage: StorageOptions
        @Option(help: "Tenant name.") var tenant: String
        func run() async throws {
            let bar = ProgressBar()
            let run = try await withRuntime(storage) {
                try await $0.directoryUsers.sync(tenantName: tenant, trigger: "cli", caller: .cli, progress: { bar.update($0, $1, $2) })
            }
            bar.finish()
            let s = run.summary
            print("created \(s.created), updated \(s.updated), disabled \(s.disabled), unchanged \(s.unchanged), refused \(s.refused)")
            if let error = run.error {
                throw LifelineError(.unavailable, "sync stopped: \(error) (nobody was disabled)")
            }
        }
    }

    struct Status: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show a tenant's directory user settings and its last sync.")
        @OptionGroup var storage: StorageOptions
        @Option(help: "Tenant name.") var tenant: String
        func run() async throws {
            let s = try await withRuntime(storage) { try await $0.directoryUsers.status(tenantName: tenant, caller: .cli) }
            print("directory\t\(s.settings.type.rawValue)\(s.settings.ldap.map { " (connection \($0.connection))" } ?? "")")
            guard let users = s.users else { print("users\tlocal (no directory.users)"); return }
            let a = users.attributes.resolved(for: s.flavor ?? .openldap)
            print("attributes\tusername=\(a.username) display_name=\(a.displayName) mail=\(a.mail) mobile=\(a.mobile) language=\(a.language)")
            print("lookup_at_flow_start\t\(users.lookupAtFlowStart)\nsync_interval\t\(users.syncInterval)\ncontacts_verified\t\(users.contactsVerified)")
            if let run = s.lastRun {
                let r = run.summary
                print("last_sync\t\(ISO8601DateFormatter().string(from: run.startedAt)) by \(run.actor) (\(run.trigger)): created \(r.created), updated \(r.updated), "
                      + "disabled \(r.disabled), unchanged \(r.unchanged), refused \(r.refused)\(run.error.map { "; stopped: \($0)" } ?? "")")
            } else {
                print("last_sync\tnever")
            }
        }
    }
}

/// `lifeline user import --tenant T FILE.csv`.
struct UserImport: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import",
        abstract: "Import users from CSV: a header line naming columns among username,display_name,email,phone,language.")
    @OptionGroup var storage: StorageOptions
    @Option(help: "Tenant name.") var tenant: String
    @Argument(help: "The CSV file (UTF-8, RFC 4180).") var file: String
    func run() async throws {
        guard let data = FileManager.default.contents(atPath: file) else { throw LifelineError(.notFound, "cannot read \(file)") }
        guard let text = String(data: data, encoding: .utf8) else { throw LifelineError(.invalidRequest, "\(file) is not UTF-8 text") }
        let bar = ProgressBar()
        let summary = try await withRuntime(storage) {
            try await $0.directoryUsers.importUsers(tenantName: tenant, csv: text, caller: .cli, progress: { bar.update($0, $1, $2) })
        }
        bar.finish()
        print("created \(summary.created), updated \(summary.updated), unchanged \(summary.unchanged), refused \(summary.refused.count)")
        for r in summary.refused { print("refused line \(r.line): \(r.reason)") }
    }
}
