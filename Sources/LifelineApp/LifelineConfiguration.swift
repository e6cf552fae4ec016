import Configuration
import Foundation
import LifelineCore
import SystemPackage

/// Every setting of Lifeline, resolved from (highest first) command-line flags, `LIFELINE_*` environment
/// variables, a YAML file, and the defaults below. docs/configuration.md lists every key.
public struct LifelineConfiguration: Sendable {
    public var host = "127.0.0.1"
    public var port = 8080
    /// A PEM file with the main listener's certificate chain (`server.tls.certificate`); with ``tlsKey`` the main
    /// listener serves HTTPS only (``ServerTLS``).
    public var tlsCertificate: String?
    /// A PEM file with the private key of ``tlsCertificate`` (`server.tls.key`).
    public var tlsKey: String?
    /// Seconds a request's head and body have to arrive in full (`server.timeouts.requestRead`, ``ServerLimits``).
    public var requestReadTimeout = 15
    /// Seconds a keep-alive connection may wait for its next request (`server.timeouts.idle`).
    public var idleTimeout = 60
    /// Open connections per listener (`server.maxConnections`); more are closed at once.
    public var maxConnections = 1000
    /// The data folder (SQLite database and key file).
    public var dataDir = "./lifeline-data"
    /// A `postgres://` URL; when set, PostgreSQL is used instead of SQLite.
    public var databaseURL: String?
    /// Seconds PostgreSQL has to answer when the store opens (`database.connectTimeout`).
    public var databaseConnectTimeout = 10
    /// Base64 key-encryption key from configuration, instead of the key file.
    public var kek: String?
    /// Base64 keys (comma-separated) that only decrypt, during a rotation of `kek`.
    public var previousKeks: [String] = []
    /// Path of the key file; default `<dataDir>/keys.json`.
    public var keyFile: String?
    public var logLevel = "info"
    public var logFormat = "text"
    /// Whether every request is logged (`log.access`; default: on with `log.format: json`, off with text).
    public var logAccess = false
    public var otp = OTPPolicy()
    public var demo = false
    /// Lets demo mode listen on an address other than loopback (`--allow-demo-on-network`). Why off: the demo
    /// prints keys and secrets, shows every message at `/dev/outbox` and seeds known users.
    public var demoOnNetwork = false
    /// Where `/metrics` is served: nil serves it on the main listener (the default); a port moves it to a listener
    /// of its own on `metricsHost`, so it can be kept off the public address.
    public var metricsPort: Int?
    /// The address of the metrics listener (default: `host`).
    public var metricsHost: String?
    /// Where messages are delivered.
    public var delivery = DeliverySettings()
    /// Requests per minute per client address on the public recovery API and pages.
    public var recoveryRequestsPerMinute = 60
    /// The per-user guessing budget of recovery (`recovery.budget.*`, docs/security.md).
    public var budget = GuessBudgetPolicy()
    /// Per-address and per-flow limits of the security-questions step (`recovery.questions.*`).
    public var questionLimits = QuestionStepPolicy()
    /// Threads that run slow hashing (scrypt) at once (`server.slowHash.threads`; default half the cores).
    public var slowHashThreads = SlowHashPool.defaultThreads
    /// Slow-hash jobs that may wait for a thread (`server.slowHash.queue`); beyond it a request gets 503.
    public var slowHashQueue: Int?
    /// Peers whose `Forwarded` / `X-Forwarded-For` headers name the client (`server.trustedProxies`: addresses or
    /// CIDR prefixes). Empty: the peer is the client.
    public var trustedProxies: [String] = []
    /// The server's public base URL as users' browsers reach it (`server.publicURL`, e.g. `https://lifeline.example.org`), for
    /// the links the CLI and the console hand out (operator enrolment); nil: `scheme://host:port` of the listener.
    public var publicURL: String?
    /// Whether web cookies carry `Secure` (turn off only for plain-http development on another host than localhost).
    public var webSecureCookies = true
    /// Where the server writes its periodic audit anchor (nil: only the log line).
    public var auditAnchorPath: String?
    /// Seconds between audit anchors; 0 disables them.
    public var auditAnchorInterval = 3600
    /// The operator's LDAP directory connections by name (`directories.<name>`); tenants name one in their
    /// recovery configuration and cannot set where it connects or where its secret comes from.
    public var directories: [String: DirectoryConnection] = [:]

    public init() {}

    /// Loads settings. `flags` holds values given on the command line, keyed like the configuration keys.
    public static func load(flags: [String: String], configFile: String?, environment: [String: String] = ProcessInfo.processInfo.environment) async throws -> LifelineConfiguration {
        try await load(flags: flags, configFile: configFile, environment: environment, recorder: nil)
    }

    /// ``load(flags:configFile:environment:)``; `recorder` collects the keys asked for.
    static func load(flags: [String: String], configFile: String?, environment: [String: String], recorder: KeyReader.Recorder?) async throws -> LifelineConfiguration {
        var providers: [any ConfigProvider] = []
        // Flags become a provider with the same key encoding as the environment, so precedence is by order only.
        var flagEnv: [String: String] = [:]
        for (k, v) in flags { flagEnv[envName(k)] = v }
        providers.append(EnvironmentVariablesProvider(environmentVariables: flagEnv))
        var env: [String: String] = [:]
        for (k, v) in environment where k.hasPrefix("LIFELINE_") { env[String(k.dropFirst("LIFELINE_".count))] = v }
        providers.append(EnvironmentVariablesProvider(environmentVariables: env, secretsSpecifier: .specific(["KEYS_KEK", "KEYS_PREVIOUS", "DATABASE_URL", "DELIVERY_SMTP_PASSWORD", "DELIVERY_SMS_PASSWORD", "DELIVERY_SMS_TOKEN"])))
        let file = configFile ?? env["CONFIG"]
        if let file {
            guard FileManager.default.fileExists(atPath: file) else { throw LifelineError(.configuration, "config file \(file) does not exist") }
            try refuseUnknownKeys(file: file)
            do { providers.append(try await FileProvider<YAMLSnapshot>(filePath: FilePath(file))) } catch {
                throw LifelineError(.configuration, "config file \(file) is not valid YAML: \(String(describing: error).split(separator: "\n").first ?? "parse error")")
            }
        }
        let r = KeyReader(reader: ConfigReader(providers: providers), recorder: recorder)
        var c = LifelineConfiguration()
        c.host = r.string(forKey: "server.host", default: c.host)
        c.port = try intValue(r, "server.port", c.port, 1...65535)
        c.tlsCertificate = r.string(forKey: "server.tls.certificate").flatMap { $0.isEmpty ? nil : $0 }
        c.tlsKey = r.string(forKey: "server.tls.key").flatMap { $0.isEmpty ? nil : $0 }
        c.publicURL = r.string(forKey: "server.publicURL").flatMap { $0.isEmpty ? nil : $0 }
        // Why checked: the enrolment links are built on it; a typo would hand new operators a link to somewhere else.
        if let url = c.publicURL, !(url.hasPrefix("https://") || url.hasPrefix("http://")) || url.contains(where: { $0.isWhitespace || $0 == "?" || $0 == "#" }) {
            throw LifelineError(.configuration, "server.publicURL must be an http(s) URL without query or fragment, e.g. https://lifeline.example.org")
        }
        // Why both or neither: half a TLS setting would otherwise quietly serve plain HTTP.
        if (c.tlsCertificate == nil) != (c.tlsKey == nil) {
            throw LifelineError(.configuration, c.tlsKey == nil ? "server.tls.certificate is set but server.tls.key is not: TLS needs both"
                                                                : "server.tls.key is set but server.tls.certificate is not: TLS needs both")
        }
        // Bounds (docs/security.md "Slow clients"): a read deadline of at least a second and at most five minutes; an
        // idle wait of at most an hour; a cap that a single process's descriptors can hold.
        c.requestReadTimeout = try intValue(r, "server.timeouts.requestRead", c.requestReadTimeout, 1...300)
        c.idleTimeout = try intValue(r, "server.timeouts.idle", c.idleTimeout, 1...3_600)
        c.maxConnections = try intValue(r, "server.maxConnections", c.maxConnections, 1...100_000)
        c.dataDir = r.string(forKey: "storage.dataDir", default: c.dataDir)
        c.databaseURL = r.string(forKey: "database.url", isSecret: true)
        // Why bounded: a wrong address must fail the start within minutes, not hang it.
        c.databaseConnectTimeout = try intValue(r, "database.connectTimeout", c.databaseConnectTimeout, 1...300)
        c.kek = r.string(forKey: "keys.kek", isSecret: true)
        c.previousKeks = r.string(forKey: "keys.previous", isSecret: true)?.split(separator: ",").map(String.init) ?? []
        c.keyFile = r.string(forKey: "keys.file")
        c.logLevel = r.string(forKey: "log.level", default: c.logLevel)
        c.logFormat = r.string(forKey: "log.format", default: c.logFormat)
        guard ["text", "json"].contains(c.logFormat) else { throw LifelineError(.configuration, "log.format must be text or json") }
        // Why on by default with JSON only: JSON goes to a log collector, where a line per request is what is wanted;
        // text goes to a terminal, where it would bury everything else.
        switch r.string(forKey: "log.access") {
        case nil: c.logAccess = c.logFormat == "json"
        case "true"?: c.logAccess = true
        case "false"?: c.logAccess = false
        default: throw LifelineError(.configuration, "log.access must be true or false")
        }
        guard ["trace", "debug", "info", "notice", "warning", "error", "critical"].contains(c.logLevel) else {
            throw LifelineError(.configuration, "log.level must be one of trace, debug, info, notice, warning, error, critical")
        }
        c.otp.totpWindow = Int64(try intValue(r, "otp.totp.window", Int(c.otp.totpWindow), 0...10))
        c.otp.totpDriftWindow = Int64(try intValue(r, "otp.totp.driftWindow", Int(c.otp.totpDriftWindow), 0...100))
        c.otp.totpSyncWindow = Int64(try intValue(r, "otp.totp.syncWindow", Int(c.otp.totpSyncWindow), 1...1000))
        c.otp.hotpLookahead = Int64(try intValue(r, "otp.hotp.lookahead", Int(c.otp.hotpLookahead), 0...100))
        c.otp.hotpDriftWindow = Int64(try intValue(r, "otp.hotp.driftWindow", Int(c.otp.hotpDriftWindow), 0...1000))
        c.otp.hotpSyncWindow = Int64(try intValue(r, "otp.hotp.syncWindow", Int(c.otp.hotpSyncWindow), 1...10000))
        c.otp.maxFail = try intValue(r, "otp.maxFail", c.otp.maxFail, 1...OTPPolicy.maxFailLimit)
        c.otp.throttleAfter = try intValue(r, "otp.throttle.after", c.otp.throttleAfter, 1...OTPPolicy.maxFailLimit)
        c.otp.throttleBase = try intValue(r, "otp.throttle.base", c.otp.throttleBase, 1...3_600)
        c.otp.throttleMax = try intValue(r, "otp.throttle.max", c.otp.throttleMax, c.otp.throttleBase...86_400)
        c.demo = (r.string(forKey: "demo") ?? "false") == "true"
        c.demoOnNetwork = (r.string(forKey: "demoOnNetwork") ?? "false") == "true"
        if c.demo, !c.demoOnNetwork, !isLoopback(c.host) {
            throw LifelineError(.configuration, "demo mode listens on loopback only (server.host \(c.host) is not 127.0.0.1, ::1 or localhost): "
                + "the demo prints its keys and shows every message at /dev/outbox; pass --allow-demo-on-network to serve it on \(c.host) anyway")
        }
        if r.string(forKey: "metrics.port") != nil { c.metricsPort = try intValue(r, "metrics.port", 0, 1...65535) }
        c.metricsHost = r.string(forKey: "metrics.host")
        if c.metricsHost != nil, c.metricsPort == nil {
            throw LifelineError(.configuration, "metrics.host needs metrics.port (without a port, /metrics is served on the main listener)")
        }
        c.delivery = try DeliverySettings.load(r)
        c.recoveryRequestsPerMinute = try intValue(r, "recovery.requestsPerMinute", c.recoveryRequestsPerMinute, 1...100_000)
        // Bounds keep the guessing arithmetic meaningful (docs/security.md): at least one free answer, forgiveness at
        // most daily and at most yearly, pauses from a minute to a year.
        c.budget.free = try intValue(r, "recovery.budget.free", c.budget.free, 1...100)
        c.budget.forgiveAfter = try intValue(r, "recovery.budget.forgiveAfter", c.budget.forgiveAfter, 86_400...31_536_000)
        c.budget.pauseBase = try intValue(r, "recovery.budget.pauseBase", c.budget.pauseBase, 60...86_400)
        c.budget.pauseMax = try intValue(r, "recovery.budget.pauseMax", c.budget.pauseMax, c.budget.pauseBase...31_536_000)
        c.budget.passLifetime = try intValue(r, "recovery.budget.passLifetime", c.budget.passLifetime, 0...31_536_000)
        // Bounds: at least one submission a minute (a user can always answer), at most what a busy NAT might need.
        c.questionLimits.perAddressPerMinute = try intValue(r, "recovery.questions.perAddressPerMinute", c.questionLimits.perAddressPerMinute, 1...600)
        c.questionLimits.perFlowPerMinute = try intValue(r, "recovery.questions.perFlowPerMinute", c.questionLimits.perFlowPerMinute, 1...60)
        c.slowHashThreads = try intValue(r, "server.slowHash.threads", c.slowHashThreads, 1...256)
        if r.string(forKey: "server.slowHash.queue") != nil { c.slowHashQueue = try intValue(r, "server.slowHash.queue", 0, 0...100_000) }
        // A YAML list, or a comma-separated string (environment variable, flag).
        c.trustedProxies = (r.stringArray(forKey: "server.trustedProxies") ?? (r.string(forKey: "server.trustedProxies") ?? "").split(separator: ",").map(String.init))
            .map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        for entry in c.trustedProxies where ClientAddress.Prefix(entry) == nil {
            throw LifelineError(.configuration, "server.trustedProxies: '\(entry)' is not an IP address or CIDR prefix (10.0.0.0/8, fd00::/8)")
        }
        c.webSecureCookies = (r.string(forKey: "web.secureCookies") ?? "true") != "false"
        c.auditAnchorPath = r.string(forKey: "audit.anchor.path")
        c.auditAnchorInterval = try intValue(r, "audit.anchor.interval", c.auditAnchorInterval, 0...604_800)
        c.directories = try loadDirectories(file: file, environment: env)
        return c
    }

    /// Whether `host` is a loopback address: `localhost`, 127.0.0.0/8 or ::1.
    static func isLoopback(_ host: String) -> Bool {
        let h = host.lowercased().trimmingCharacters(in: CharacterSet(charactersIn: "[]"))
        if h == "localhost" || h == "::1" || h == "0:0:0:0:0:0:0:1" { return true }
        let parts = h.split(separator: ".", omittingEmptySubsequences: false)
        return parts.count == 4 && parts[0] == "127" && parts.allSatisfy { UInt8($0) != nil }
    }

    /// `server.port` → `SERVER_PORT`, `storage.dataDir` → `STORAGE_DATA_DIR`.
    static func envName(_ key: String) -> String {
        var out = ""
        var prev: Character = " "
        for ch in key {
            if ch == "." { out += "_" } else {
                if prev.isLowercase && ch.isUppercase { out += "_" }
                out += ch.uppercased()
            }
            prev = ch
        }
        return out
    }

    private static func intValue(_ r: KeyReader, _ key: String, _ def: Int, _ range: ClosedRange<Int>) throws -> Int {
        guard let text = r.string(forKey: key) else { return def }
        guard let v = Int(text), range.contains(v) else {
            throw LifelineError(.configuration, "\(key) must be an integer from \(range.lowerBound) to \(range.upperBound)")
        }
        return v
    }

    /// The SQLite file inside the data folder.
    public var sqlitePath: String { (dataDir as NSString).appendingPathComponent("lifeline.sqlite") }
    /// The key file path.
    public var keyFilePath: String { keyFile ?? (dataDir as NSString).appendingPathComponent("keys.json") }
    /// `https` when the main listener has TLS, else `http`.
    public var scheme: String { tlsCertificate == nil ? "http" : "https" }
}
