import Foundation
import Hummingbird
import HummingbirdTesting
import LifelineApp
import LifelineCore
@testable import LifelineHTTP
import Logging
import NIOCore
import NIOEmbedded
import NIOHTTPTypes
import Synchronization
import Testing

/// Issue 13 item 4, slow clients: the read deadline, the connection cap, the configuration keys, and no log line for
/// a body the client abandons. The real server against 400 stalled connections is `scripts/e2e.sh` ("slow clients").
@Suite("Slow clients")
struct SlowClientTests {
    static let timeout = TimeAmount.seconds(15)

    /// An active embedded channel with the deadline handler; time moves only by `advanceTime`.
    static func channel() throws -> (EmbeddedChannel, HTTPMetrics) {
        let metrics = HTTPMetrics()
        let channel = EmbeddedChannel()
        try channel.pipeline.syncOperations.addHandler(RequestReadDeadlineHandler(
            timeout: timeout, timedOut: metrics.connectionsTimedOut(listener: "test"), logger: Logger(label: "t")))
        try channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 1)).wait()
        return (channel, metrics)
    }

    static func head() -> HTTPRequestPart { .head(HTTPRequest(method: .post, scheme: nil, authority: "x", path: "/api/v1/validate")) }

    @Test("A connection that sends nothing, or half a request, is closed at the deadline from its start")
    func closedAtDeadline() throws {
        let (silent, metrics) = try Self.channel()
        silent.embeddedEventLoop.advanceTime(by: TimeAmount.seconds(14))
        #expect(silent.isActive)
        silent.embeddedEventLoop.advanceTime(by: TimeAmount.seconds(1))
        #expect(!silent.isActive, "closed at 15 s")
        var text = [UInt8]()
        metrics.registry.emit(into: &text)
        #expect(String(decoding: text, as: UTF8.self).contains("lifeline_connections_read_timeouts_total{listener=\"test\"} 1"))

        // One body byte every 2 s is never idle, and still closed 15 s after the connection opened.
        let (dribble, _) = try Self.channel()
        try dribble.writeInbound(Self.head())
        for _ in 0..<7 {
            dribble.embeddedEventLoop.advanceTime(by: TimeAmount.seconds(2))
            try dribble.writeInbound(HTTPRequestPart.body(ByteBuffer(string: "a")))
        }
        #expect(dribble.isActive)
        dribble.embeddedEventLoop.advanceTime(by: TimeAmount.seconds(1))
        #expect(!dribble.isActive, "closed at 15 s although a byte arrived every 2 s")
    }

    @Test("A request that arrives in full ends the deadline; a later request's head starts a new one")
    func keepAlive() throws {
        let (channel, _) = try Self.channel()
        try channel.writeInbound(Self.head())
        channel.embeddedEventLoop.advanceTime(by: TimeAmount.seconds(5))
        try channel.writeInbound(HTTPRequestPart.end(nil))
        // Waiting for the next request is the idle timeout's business (Hummingbird's), not the deadline's.
        channel.embeddedEventLoop.advanceTime(by: TimeAmount.seconds(100))
        #expect(channel.isActive)
        try channel.writeInbound(Self.head())
        channel.embeddedEventLoop.advanceTime(by: TimeAmount.seconds(14))
        #expect(channel.isActive)
        channel.embeddedEventLoop.advanceTime(by: TimeAmount.seconds(1))
        #expect(!channel.isActive, "the second body had 15 s from its head")
        // Every part was passed on unchanged.
        var parts = 0
        while try channel.readInbound(as: HTTPRequestPart.self) != nil { parts += 1 }
        #expect(parts == 3)
    }

    @Test("The cap refuses connections beyond it and counts them; a closed one frees its place")
    func gate() {
        let metrics = HTTPMetrics()
        let gate = ConnectionGate(limit: 3, listener: "main", metrics: metrics, logger: Logger(label: "t"))
        #expect((0..<3).allSatisfy { _ in gate.enter() })
        #expect(!gate.enter() && !gate.enter())
        #expect(gate.openConnections == 3)
        gate.leave()
        #expect(gate.enter())
        #expect(!gate.enter())
        var text = [UInt8]()
        metrics.registry.emit(into: &text)
        let exposition = String(decoding: text, as: UTF8.self)
        #expect(exposition.contains("lifeline_connections_refused_total{listener=\"main\"} 3"), "\(exposition)")
        #expect(exposition.contains("lifeline_connections_open{listener=\"main\"} 3"), "\(exposition)")
    }

    @Test("server.timeouts.requestRead, server.timeouts.idle and server.maxConnections: defaults and bounds")
    func configuration() async throws {
        let defaults = try await LifelineConfiguration.load(flags: [:], configFile: nil, environment: [:])
        #expect(defaults.requestReadTimeout == 15 && defaults.idleTimeout == 60 && defaults.maxConnections == 1000)
        let set = try await LifelineConfiguration.load(flags: [:], configFile: nil, environment: [
            "LIFELINE_SERVER_TIMEOUTS_REQUEST_READ": "2", "LIFELINE_SERVER_TIMEOUTS_IDLE": "30", "LIFELINE_SERVER_MAX_CONNECTIONS": "20",
        ])
        #expect(set.requestReadTimeout == 2 && set.idleTimeout == 30 && set.maxConnections == 20)
        for (key, value) in [("server.timeouts.requestRead", "0"), ("server.timeouts.requestRead", "301"), ("server.timeouts.idle", "0"),
                             ("server.timeouts.idle", "3601"), ("server.maxConnections", "0"), ("server.maxConnections", "100001"),
                             ("server.maxConnections", "-1"), ("server.timeouts.idle", "9223372036854775808")] {
            await #expect(throws: LifelineError.self, "\(key)=\(value)") {
                _ = try await LifelineConfiguration.load(flags: [key: value], configFile: nil, environment: [:])
            }
        }
    }

    @Test("A body the client abandons is a 400, with no error line")
    func abandonedBody() async throws {
        let log = LogCapture()
        let statuses = Statuses()
        let router = Router(context: AppRequestContext.self)
        router.middlewares.add(StatusRecorder(statuses: statuses))
        router.middlewares.add(ErrorMiddleware(methods: MethodTable()))
        router.post("/echo") { request, _ -> String in
            var request = request
            return String(buffer: try await request.readBody(upTo: JSON.maxBodySize))
        }
        let app = Application(router: router, logger: Logger(label: "t", factory: { _ in log.handler() }))
        try await app.test(.live) { client in
            let port = try #require(client.port)
            let sent = sendAndClose(port: port, "POST /echo HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 100\r\n\r\n{\"half\":")
            #expect(sent)
            for _ in 0..<100 where statuses.all.isEmpty { try await Task.sleep(for: .milliseconds(50)) }
            #expect(statuses.all == [400])
            #expect(!log.lines.contains { $0.hasPrefix("error") || $0.hasPrefix("critical") || $0.hasPrefix("warning") }, "\(log.lines)")
        }
    }
}

/// Records the status of each answer (outside the error middleware, which turns errors into answers).
private struct StatusRecorder: RouterMiddleware {
    typealias Context = AppRequestContext
    let statuses: Statuses

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let response = try await next(request, context)
        statuses.append(response.status.code)
        return response
    }
}

private final class Statuses: Sendable {
    private let box = Mutex<[Int]>([])
    var all: [Int] { box.withLock { $0 } }
    func append(_ status: Int) { box.withLock { $0.append(status) } }
}

/// Sends `text` on a fresh connection to 127.0.0.1:`port` and closes it at once.
private func sendAndClose(port: Int, _ text: String) -> Bool {
    guard let fd = loopbackConnection(port: port) else { return false }
    defer { close(fd) }
    let bytes = Array(text.utf8)
    return send(fd, bytes, bytes.count, 0) == bytes.count
}
