import HummingbirdCore
import Logging
import NIOCore

/// The limits every listener puts on its connections (`server.timeouts.requestRead`, `server.timeouts.idle`,
/// `server.maxConnections`; docs/security.md "Slow clients").
///
/// Why: without them a client that opens connections and sends a request one byte at a time (or not at all) holds
/// each connection, its memory and a file descriptor for ever, and a few hundred such clients exhaust the server.
public struct ServerLimits: Sendable {
    /// Seconds a request's head and body have to arrive in full: from the connection's start for its first request,
    /// from the head for later ones (``RequestReadDeadlineHandler``).
    public var requestReadSeconds = 15
    /// Seconds a keep-alive connection may wait for its next request (Hummingbird's idle timeout).
    public var idleSeconds = 60
    /// Open connections per listener; more are closed at once (``ConnectionCapChannel``).
    public var maxConnections = 1000

    public init(requestReadSeconds: Int = 15, idleSeconds: Int = 60, maxConnections: Int = 1000) {
        self.requestReadSeconds = requestReadSeconds
        self.idleSeconds = idleSeconds
        self.maxConnections = maxConnections
    }

    /// The HTTP/1.1 channel configuration with these timeouts: Hummingbird's idle timeout between requests, and our
    /// handler for the deadline Hummingbird lacks (its idle timer restarts with every body part, so a body sent a
    /// byte at a time would never end).
    public func http1Configuration(metrics: HTTPMetrics, listener: String, logger: Logger) -> HTTP1Channel.Configuration {
        let timeout = TimeAmount.seconds(Int64(requestReadSeconds))
        let timedOut = metrics.connectionsTimedOut(listener: listener)
        return HTTP1Channel.Configuration(
            additionalChannelHandlers: [RequestReadDeadlineHandler(timeout: timeout, timedOut: timedOut, logger: logger)],
            idleTimeout: .seconds(Int64(idleSeconds)))
    }
}
