import NIOCore
import NIOPosix
import Synchronization

/// A TCP proxy on 127.0.0.1 in front of the test slapd: it counts the connections a client opens and can cut them
/// all, which the client sees exactly as the server closing them. With `silent`, it accepts and never answers
/// (for the timeout test).
final class TCPProxy: Sendable {
    private let server: any Channel
    private let state: State
    var port: Int { server.localAddress?.port ?? 0 }
    var accepted: Int { state.accepted.load(ordering: .relaxed) }

    private final class State: Sendable {
        let accepted = Atomic<Int>(0)
        let channels = Mutex<[any Channel]>([])
    }

    /// Starts a proxy on `host` (a loopback address) to `upstreamPort` on 127.0.0.1, or a silent listener when
    /// `upstreamPort` is nil.
    static func start(upstreamPort: Int?, host: String = "127.0.0.1") async throws -> TCPProxy {
        let state = State()
        let group = MultiThreadedEventLoopGroup.singleton
        let server = try await ServerBootstrap(group: group)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { child in
                state.accepted.add(1, ordering: .relaxed)
                state.channels.withLock { $0.append(child) }
                guard let upstreamPort else { return child.eventLoop.makeSucceededVoidFuture() }
                // Reads start only when the upstream is connected (autoRead off until then).
                return child.setOption(.autoRead, value: false).flatMap {
                    ClientBootstrap(group: child.eventLoop).connect(host: "127.0.0.1", port: upstreamPort)
                }.flatMap { upstream in
                    state.channels.withLock { $0.append(upstream) }
                    return child.eventLoop.makeCompletedFuture {
                        try child.pipeline.syncOperations.addHandler(Relay(peer: upstream))
                        try upstream.pipeline.syncOperations.addHandler(Relay(peer: child))
                    }.flatMap { child.setOption(.autoRead, value: true) }
                }
            }
            .bind(host: host, port: 0).get()
        return TCPProxy(server: server, state: state)
    }

    private init(server: any Channel, state: State) { self.server = server; self.state = state }

    /// Closes every proxied connection (both sides), as a server restart or idle timeout would.
    func dropAll() async {
        let channels = state.channels.withLock { list in defer { list = [] }; return list }
        for c in channels { try? await c.close() }
    }

    func stop() async {
        await dropAll()
        try? await server.close()
    }
}

/// Copies bytes to the peer channel and closes the peer when this side closes.
private final class Relay: ChannelInboundHandler, Sendable {
    typealias InboundIn = ByteBuffer
    private let peer: any Channel
    init(peer: any Channel) { self.peer = peer }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        peer.writeAndFlush(unwrapInboundIn(data), promise: nil)
    }

    func channelInactive(context: ChannelHandlerContext) {
        peer.close(promise: nil)
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        context.close(promise: nil)
    }
}
