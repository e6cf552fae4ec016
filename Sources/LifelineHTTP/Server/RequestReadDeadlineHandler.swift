import Logging
import NIOCore
import NIOHTTPTypes
import Prometheus

/// Closes a connection whose request does not arrive in full within a deadline (`server.timeouts.requestRead`).
///
/// The deadline starts when the connection opens (it covers the first request's head and body, and a TLS
/// handshake) and, on a keep-alive connection, when a later request's head arrives (it covers that body; the wait for
/// the head is Hummingbird's idle timeout). It ends when the request's end arrives. Why a deadline and not an idle
/// timer: a client that sends one byte every few seconds is never idle, and would hold the connection for ever.
///
/// Sits after HTTP decoding (HTTP1Channel's additional handlers), so it sees request parts; it passes them on as they
/// are. A pipelined request whose body waits behind a slow answer to the one before it (the channel stops reading
/// while its buffer is full) can miss the deadline; browsers do not pipeline, and our bodies are at most 64 KiB. Closing is logged at debug level only: a stalled client is the client's problem, and one line per connection
/// would let any client flood the log.
final class RequestReadDeadlineHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPRequestPart
    typealias InboundOut = HTTPRequestPart

    private let timeout: TimeAmount
    private let timedOut: Counter
    private let logger: Logger
    /// The timer; it stays scheduled across requests (see ``arm(_:)``).
    private var timer: Scheduled<Void>?
    /// When the request being read must be complete; nil while no request is being read.
    private var deadline: NIODeadline?

    init(timeout: TimeAmount, timedOut: Counter, logger: Logger) {
        self.timeout = timeout
        self.timedOut = timedOut
        self.logger = logger
    }

    func handlerAdded(context: ChannelHandlerContext) {
        if context.channel.isActive { arm(context) }
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        disarm()
    }

    func channelActive(context: ChannelHandlerContext) {
        arm(context)
        context.fireChannelActive()
    }

    func channelInactive(context: ChannelHandlerContext) {
        disarm()
        context.fireChannelInactive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head: arm(context)
        case .body: break
        case .end: deadline = nil
        }
        context.fireChannelRead(data)
    }

    /// Starts the deadline unless one is running (the first request's deadline runs from the connection's start).
    ///
    /// Why the timer is not cancelled at each request's end and scheduled again at the next head: scheduling and
    /// cancelling a task per request was 1 % of the server's CPU in the validate benchmark (keep-alive clients send
    /// thousands of requests a second). Instead a request only sets ``deadline``; one timer per connection fires at
    /// most once per `timeout` and, when the request it was set for has ended, follows the current one or stops.
    private func arm(_ context: ChannelHandlerContext) {
        guard deadline == nil else { return }
        let due = context.eventLoop.now + timeout
        deadline = due
        if timer == nil { schedule(context, at: due) }
    }

    private func schedule(_ context: ChannelHandlerContext, at due: NIODeadline) {
        timer = context.eventLoop.assumeIsolated().scheduleTask(deadline: due) { [self] in
            timer = nil
            guard let deadline else { return }  // no request is being read: the next head schedules again
            if deadline > context.eventLoop.now {
                schedule(context, at: deadline)  // a later request's deadline
                return
            }
            self.deadline = nil
            timedOut.increment()
            logger.debug("closing a connection whose request did not arrive in time",
                         metadata: ["timeout_seconds": "\(timeout.nanoseconds / 1_000_000_000)"])
            context.close(promise: nil)
        }
    }

    private func disarm() {
        timer?.cancel()
        timer = nil
        deadline = nil
    }
}

@available(*, unavailable)
extension RequestReadDeadlineHandler: Sendable {}
