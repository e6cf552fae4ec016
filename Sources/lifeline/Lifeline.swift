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
                      APIKeyCommand.self, KeysCommand.self, AuditCommand.self])

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

    /// Loads the configuration and opens the runtime, with logging quiet enough for scripts.
    func openRuntime(extraFlags: [String: String] = [:]) async throws -> LifelineRuntime {
        let config = try await LifelineConfiguration.load(flags: flags.merging(extraFlags) { $1 }, configFile: self.config)
        var logger = Logger(label: "lifeline.cli")
        logger.logLevel = .warning
        return try await LifelineRuntime.open(config, logger: logger)
    }
}

/// Runs `body` with an open runtime and closes it afterwards, even on error.
func withRuntime<R>(_ storage: StorageOptions, _ body: (LifelineRuntime) async throws -> R) async throws -> R {
    let runtime = try await storage.openRuntime()
    do {
        let r = try await body(runtime)
        await runtime.shutdown()
        return r
    } catch {
        await runtime.shutdown()
        throw error
    }
}
