import ArgumentParser
import Foundation
import Hummingbird
import LifelineApp
import LifelineCore
import Logging
import ServiceLifecycle

/// `lifeline serve`: the HTTP server. Stops gracefully on SIGINT/SIGTERM (in-flight requests finish).
struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Run the Lifeline server.")

    @OptionGroup var storage: StorageOptions
    @Option(help: "Address to listen on (default 127.0.0.1).") var host: String?
    @Option(help: "Port to listen on (default 8080).") var port: Int?
    @Flag(help: "Seed the demo tenant and print what to try.") var demo = false
    @Flag(help: "Let --demo listen on an address other than loopback (it prints keys and shows every message).")
    var allowDemoOnNetwork = false
    @Option(help: "Log format: text or json.") var logFormat: String?
    @Option(help: "Log level: trace, debug, info, notice, warning, error.") var logLevel: String?

    func run() async throws {
        var flags = storage.flags
        if let host { flags["server.host"] = host }
        if let port { flags["server.port"] = String(port) }
        if let logFormat { flags["log.format"] = logFormat }
        if let logLevel { flags["log.level"] = logLevel }
        if demo { flags["demo"] = "true" }
        if allowDemoOnNetwork { flags["demoOnNetwork"] = "true" }
        let config = try await LifelineConfiguration.load(flags: flags, configFile: storage.config)
        LogSetup.bootstrap(format: config.logFormat, level: config.logLevel)
        let logger = Logger(label: "lifeline")
        // Before the database is opened: a bad certificate or key stops the start with one line naming the setting.
        let tls = try ServerTLS.load(config)
        let group = try await LifelineRuntime.serviceGroup(config, tls: tls, logger: logger) { banner, port in
            if let banner { FileHandle.standardOutput.write(Data((banner + "\n").utf8)) }
            FileHandle.standardOutput.write(Data(("Lifeline listening on \(config.scheme)://\(config.host):\(port) (\(config.databaseURL == nil ? "SQLite in \(config.dataDir)" : "PostgreSQL"))\n").utf8))
        }
        try await group.run()
    }
}

/// `lifeline migrate`: applies pending schema migrations (the server also does this on start).
struct Migrate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Apply database migrations.")
    @OptionGroup var storage: StorageOptions

    func run() async throws {
        try await withRuntime(storage, create: true) { _ in print("database is up to date") }
    }
}
