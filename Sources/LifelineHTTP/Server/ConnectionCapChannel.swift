import HummingbirdCore
import Logging
import NIOCore

/// A listener's child channel with a cap on open connections (`server.maxConnections`): a connection beyond the
/// cap is closed at once, before any handler (TLS, HTTP) is set up for it, and counted
/// (`lifeline_connections_refused_total`); open connections keep working.
///
/// Why close and not stop accepting (Hummingbird's `AvailableConnectionsDelegate`): connections that are not
/// accepted wait in the kernel's backlog, uncounted, and legitimate clients wait behind them with no answer.
public struct ConnectionCapChannel<Base: ServerChildChannel>: ServerChildChannel {
    /// The base channel's value, or nil for a connection that was refused.
    public struct Value: ServerChildChannelValue {
        public let channel: any Channel
        let base: Base.Value?
    }

    let base: Base
    let gate: ConnectionGate

    public init(_ base: Base, gate: ConnectionGate) {
        self.base = base
        self.gate = gate
    }

    public func setup(channel: any Channel, logger: Logger) -> EventLoopFuture<Value> {
        guard gate.enter() else {
            // Closed in handle(value:), once NIO has registered the channel: closing it here, before registration,
            // would fail the registration and report an error on the listening socket.
            return channel.eventLoop.makeSucceededFuture(Value(channel: channel, base: nil))
        }
        let gate = self.gate
        channel.closeFuture.whenComplete { _ in gate.leave() }
        return base.setup(channel: channel, logger: logger).map { Value(channel: channel, base: $0) }
    }

    public func handle(value: Value, logger: Logger) async {
        guard let inner = value.base else {
            try? await value.channel.close()
            return
        }
        await base.handle(value: inner, logger: logger)
    }
}
