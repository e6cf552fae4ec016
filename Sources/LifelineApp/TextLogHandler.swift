import Logging

/// swift-log's text handler (`StreamLogHandler` on standard error, same output), with the handler's metadata kept
/// as it is until a record is actually written.
///
/// Why: `StreamLogHandler` formats its whole metadata into text on every change, and the HTTP server sets a request id
/// on every request's logger, so each request paid for formatting that, at the usual levels, nothing ever printed.
struct TextLogHandler: LogHandler {
    private var inner: StreamLogHandler
    var metadata: Logger.Metadata = [:]

    init(label: String) { inner = StreamLogHandler.standardError(label: label) }

    var logLevel: Logger.Level {
        get { inner.logLevel }
        set { inner.logLevel = newValue }
    }

    var metadataProvider: Logger.MetadataProvider? {
        get { inner.metadataProvider }
        set { inner.metadataProvider = newValue }
    }

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        var event = event
        // The record's own metadata wins over the handler's, as in StreamLogHandler.
        if !metadata.isEmpty { event.metadata = metadata.merging(event.metadata ?? [:]) { $1 } }
        inner.log(event: event)
    }
}
