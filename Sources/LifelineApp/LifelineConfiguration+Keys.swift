import Configuration
import Foundation
import LifelineCore
import Synchronization
import Yams

/// The server configuration's known keys, and the refusal of a YAML file that holds any other.
///
/// Why: swift-configuration answers only the keys it is asked for, so a misspelt `server.prot: 80` or `otp.maxfail`
/// would be ignored and the default would silently apply. ``knownKeys`` is the one list; add a key here when
/// ``LifelineConfiguration/load(flags:configFile:environment:)`` starts reading it (the test
/// `UnknownConfigKeyTests.serverKnownKeys` fails for a key that is read but not listed, or listed but not read,
/// because ``KeyReader`` records every key it is asked for).
///
/// `directories.<name>.*` has names of the operator's choosing and is checked by ``loadDirectories(file:environment:)``.
/// `LIFELINE_*` environment variables are not checked: the environment is shared with other tools and scripts
/// (e.g. `LIFELINE_FUZZ_*` of scripts/api-fuzz.sh), so a variable that is not a key is ignored.
extension LifelineConfiguration {
    public static let knownKeys: Set<String> = [
        "server.host", "server.port", "server.publicURL", "server.tls.certificate", "server.tls.key", "server.trustedProxies",
        "server.timeouts.requestRead", "server.timeouts.idle", "server.maxConnections",
        "storage.dataDir", "database.url", "database.connectTimeout",
        "keys.kek", "keys.previous", "keys.file",
        "log.level", "log.format", "log.access",
        "otp.totp.window", "otp.totp.driftWindow", "otp.totp.syncWindow",
        "otp.hotp.lookahead", "otp.hotp.driftWindow", "otp.hotp.syncWindow",
        "otp.maxFail", "otp.throttle.after", "otp.throttle.base", "otp.throttle.max",
        "demo", "demoOnNetwork",
        "metrics.port", "metrics.host",
        "delivery.smtp.host", "delivery.smtp.port", "delivery.smtp.security", "delivery.smtp.caFile", "delivery.smtp.username",
        "delivery.smtp.password", "delivery.smtp.from", "delivery.smtp.fromName",
        "delivery.sms.url", "delivery.sms.method", "delivery.sms.encoding", "delivery.sms.fields", "delivery.sms.headers",
        "delivery.sms.username", "delivery.sms.password", "delivery.sms.token", "delivery.sms.from", "delivery.sms.caFile",
        "delivery.sms.timeout",
        "recovery.requestsPerMinute",
        "recovery.budget.free", "recovery.budget.forgiveAfter", "recovery.budget.pauseBase", "recovery.budget.pauseMax",
        "recovery.budget.passLifetime",
        "recovery.questions.perAddressPerMinute", "recovery.questions.perFlowPerMinute",
        "server.slowHash.threads", "server.slowHash.queue",
        "web.secureCookies",
        "audit.anchor.path", "audit.anchor.interval",
    ]

    /// The sections whose keys are names of the operator's choosing, checked where they are read.
    static let dynamicSections: Set<String> = ["directories"]

    /// Refuses a YAML configuration file with a key outside ``knownKeys``, naming it and the known keys of its section.
    static func refuseUnknownKeys(file: String) throws {
        guard let text = try? String(contentsOfFile: file, encoding: .utf8), let root = try? Yams.load(yaml: text) else { return }
        guard let mapping = root as? [String: Any] else {
            throw LifelineError(.configuration, "config file \(file) must be a mapping of keys (server:, storage:, ...)")
        }
        var present: [String] = []
        func walk(_ node: Any, _ path: String) {
            if let map = node as? [String: Any] {
                for (key, value) in map { walk(value, path.isEmpty ? key : path + "." + key) }
            } else {
                present.append(path)
            }
        }
        for (key, value) in mapping where !dynamicSections.contains(key) { walk(value, key) }
        guard let unknown = present.filter({ !knownKeys.contains($0) }).sorted().first else { return }
        let section = unknown.split(separator: ".").dropLast().joined(separator: ".")
        let siblings = knownKeys.filter { section.isEmpty ? !$0.contains(".") : $0.hasPrefix(section + ".") }.sorted()
        let hint = siblings.isEmpty ? "" : " (known keys\(section.isEmpty ? " at the top" : " under \(section)"): \(siblings.joined(separator: ", ")))"
        throw LifelineError(.configuration, "config file \(file): unknown configuration key \(unknown)\(hint); docs/configuration.md lists every key")
    }

    /// The keys ``load(flags:configFile:environment:)`` asks for with these inputs (for the test that they are all listed).
    public static func keysRead(flags: [String: String], configFile: String?, environment: [String: String]) async throws -> Set<String> {
        let recorder = KeyReader.Recorder()
        _ = try await load(flags: flags, configFile: configFile, environment: environment, recorder: recorder)
        return recorder.keys
    }
}

/// A `ConfigReader` that records the keys it is asked for (``LifelineConfiguration/keysRead(flags:configFile:environment:)``).
/// Read every server setting through it.
struct KeyReader: Sendable {
    final class Recorder: Sendable {
        private let box = Mutex<Set<String>>([])
        func add(_ key: String) { box.withLock { _ = $0.insert(key) } }
        var keys: Set<String> { box.withLock { $0 } }
    }

    let reader: ConfigReader
    let recorder: Recorder?

    func string(forKey key: String, isSecret: Bool = false) -> String? {
        recorder?.add(key)
        return reader.string(forKey: ConfigKey(key), isSecret: isSecret)
    }

    func string(forKey key: String, default value: String) -> String {
        recorder?.add(key)
        return reader.string(forKey: ConfigKey(key), default: value)
    }

    func stringArray(forKey key: String) -> [String]? {
        recorder?.add(key)
        return reader.stringArray(forKey: ConfigKey(key))
    }
}
