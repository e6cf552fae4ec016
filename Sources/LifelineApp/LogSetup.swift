import Foundation
import Logging
import Synchronization

/// Logging set-up: text (swift-log's stream handler format, ``TextLogHandler``) or one JSON object per line.
public enum LogSetup {
    /// Bootstraps swift-log once per process.
    public static func bootstrap(format: String, level: String) {
        let lvl = Logger.Level(rawValue: level) ?? .info
        LoggingSystem.bootstrap { label in
            var h: any LogHandler = format == "json" ? JSONLogHandler(label: label) : TextLogHandler(label: label)
            h.logLevel = lvl
            return h
        }
    }
}

/// Writes each log record as one JSON line on standard error. Lifeline never puts secrets into log metadata;
/// this handler adds nothing but time, level, label, message and metadata.
public struct JSONLogHandler: LogHandler {
    public var metadata: Logger.Metadata = [:]
    public var logLevel: Logger.Level = .info
    let label: String
    private static let lock = Mutex(())

    public init(label: String) { self.label = label }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        var object: [String: String] = [
            "time": Date().formatted(.iso8601), "level": event.level.rawValue, "label": label, "message": "\(event.message)",
        ]
        for (k, v) in metadata.merging(event.metadata ?? [:], uniquingKeysWith: { $1 }) { object[k] = "\(v)" }
        guard var data = try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]) else { return }
        data.append(0x0a)
        Self.lock.withLock { _ in FileHandle.standardError.write(data) }
    }
}
