import ArgumentParser
import Foundation
import LifelineApp
import LifelineCore
import Logging

/// The `lifeline` command: the server and the operator's tools, all on the same data folder or database.
@main
struct Lifeline: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "lifeline",
        abstract: "Lifeline: emergency access and credential recovery.",
        subcommands: [Serve.self, Migrate.self, TenantCommand.self, UserCommand.self, TokenCommand.self, CardCommand.self,
                      APIKeyCommand.self, KeysCommand.self, AuditCommand.self, RecoveryCodeCommand.self,
                      OperatorCommand.self, DirectoryCommand.self, DeviceCommand.self, PINCommand.self, UBCCommand.self,
                      AgentCommand.self, OfflineCommand.self])

    /// Runs the command; a bad input ends with a one-line message on standard error and a non-zero status.
    static func main() async {
        do {
            var command = try parseAsRoot()
            if var async = command as? any AsyncParsableCommand { try await async.run() } else { try command.run() }
        } catch let error as LifelineError {
            FileHandle.standardError.write(Data("lifeline: \(error.message)\n".utf8))
            Foundation.exit(error.code == .invalidRequest || error.code == .notFound || error.code == .conflict ? 2 : 1)
        } catch let error as CleanExit {
            exit(withError: error)
        } catch let error as ValidationError {
            exit(withError: error)
        } catch let error as ExitCode {
            exit(withError: error)
        } catch {
            if "\(type(of: error))".contains("Parser") || "\(type(of: error))".contains("CommandError") { exit(withError: error) }
            FileHandle.standardError.write(Data("lifeline: \(String(describing: error).split(separator: "\n").first ?? "failed")\n".utf8))
            Foundation.exit(1)
        }
    }
}

/// Options every command takes: where the data is.
struct StorageOptions: ParsableArguments {
    @Option(help: "Data folder for the embedded SQLite database and the key file (default ./lifeline-data).")
    var dataDir: String?
    @Option(help: "PostgreSQL URL (postgres://user:password@host:port/db); overrides the data folder database.")
    var database: String?
    @Option(help: "YAML configuration file.")
    var config: String?

    var flags: [String: String] {
        var f: [String: String] = [:]
        if let dataDir { f["storage.dataDir"] = dataDir }
        if let database { f["database.url"] = database }
        return f
    }

    /// Loads the configuration for a command, with logging quiet enough for scripts.
    /// `create` false (every command but `serve` and `migrate`) refuses a SQLite data folder that holds no database
    /// or key file yet. Why: an operator tool that quietly makes an empty database answers from nothing, and
    /// `audit verify` on a mistyped folder would say "audit chain ok: 0 events", a false ok from a tamper check.
    func commandConfiguration(extraFlags: [String: String] = [:], create: Bool = false) async throws -> LifelineConfiguration {
        let config = try await LifelineConfiguration.load(flags: flags.merging(extraFlags) { $1 }, configFile: self.config)
        if !create, config.databaseURL == nil {
            // The key file is needed too unless the keys come from configuration (keys.kek).
            let needed = [(config.sqlitePath, "database")] + (config.kek == nil ? [(config.keyFilePath, "key file")] : [])
            for (path, what) in needed {
                guard FileManager.default.fileExists(atPath: path) else {
                    throw LifelineError(.notFound, "no Lifeline \(what) at \(path): check --data-dir (default ./lifeline-data), "
                        + "or create one with 'lifeline migrate' or 'lifeline serve'")
                }
            }
        }
        return config
    }
}

/// Runs `body` with an open runtime and closes it afterwards, even on error: the store's connections run in a child
/// task meanwhile and are closed before this returns (``LifelineRuntime/withRuntime(_:logger:clock:random:_:)``).
func withRuntime<R>(_ storage: StorageOptions, create: Bool = false, _ body: (LifelineRuntime) async throws -> R) async throws -> R {
    let config = try await storage.commandConfiguration(create: create)
    var logger = Logger(label: "lifeline.cli")
    logger.logLevel = .warning
    return try await LifelineRuntime.withRuntime(config, logger: logger, body)
}
