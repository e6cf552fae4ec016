import NIOCore
import NIOSSL
import Synchronization

/// A request for the ``LDAPClientHandler`` to send.
struct LDAPOutbound: Sendable {
    var messageID: Int32
    var bytes: ByteBuffer
    /// Completed with the request's responses (search entries and references first, the final response last);
    /// nil for a request without a response (unbind).
    var responses: EventLoopPromise<[LDAPResponse]>?
    /// StartTLS: the TLS handler to put under the conversation when the success response arrives.
    var startTLS: StartTLSUpgrade?
}

/// What StartTLS installs.
struct StartTLSUpgrade: Sendable {
    var context: NIOSSLContext
    var serverHostname: String?
}

/// Matches responses to requests by message id (RFC 4511 §4.1.1.1), so requests can be pipelined on one connection.
/// Any protocol violation, unsolicited notification or transport error fails every pending request and closes the
/// connection: after one, nothing on it can be trusted.
final class LDAPClientHandler: ChannelDuplexHandler {
    typealias InboundIn = LDAPFrame
    typealias OutboundIn = LDAPOutbound
    typealias OutboundOut = ByteBuffer

    private struct Pending {
        var promise: EventLoopPromise<[LDAPResponse]>
        var received: [LDAPResponse] = []
        var startTLS: StartTLSUpgrade?
    }

    private var pending: [Int32: Pending] = [:]
    /// Set once the connection failed or closed; later requests fail at once with it.
    private var failure: LDAPError?
    /// Where the first failure is also kept for the ``LDAPConnection``: a request written after the pipeline is gone
    /// learns only "closed channel", and the reason (a failed TLS handshake, say) comes from here.
    private let firstFailure: LDAPFailureRecord

    init(firstFailure: LDAPFailureRecord = LDAPFailureRecord()) { self.firstFailure = firstFailure }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        let out = unwrapOutboundIn(data)
        if let failure {
            let error = LDAPError.notSent(failure.description)
            out.responses?.fail(error)
            promise?.fail(error)
            return
        }
        if let responses = out.responses {
            pending[out.messageID] = Pending(promise: responses, startTLS: out.startTLS)
        }
        let written = context.eventLoop.makePromise(of: Void.self)
        written.futureResult.assumeIsolated().whenFailure { [weak self] error in
            // Not (completely) written: the server cannot have acted on a request it did not receive whole.
            if let p = self?.pending.removeValue(forKey: out.messageID) { p.promise.fail(LDAPClientHandler.unsent(error)) }
        }
        written.futureResult.cascade(to: promise)
        context.write(wrapOutboundOut(out.bytes), promise: written)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let frame = unwrapInboundIn(data)
        guard failure == nil else { return }
        let response: LDAPResponse
        do { response = try LDAPResponse(berEncoded: frame.bytes) } catch {
            fail(context, error)
            return
        }
        if response.messageID == 0 {
            // Unsolicited notification (§4.4), normally a Notice of Disconnection: the server is closing.
            fail(context, .connectionClosed("notice of disconnection from the server: \(response.operation.result?.description ?? "")"))
            return
        }
        guard var p = pending[response.messageID] else {
            fail(context, .protocolError("response to message \(response.messageID), which is not pending"))
            return
        }
        p.received.append(response)
        guard let result = response.operation.result else {
            pending[response.messageID] = p
            return
        }
        pending[response.messageID] = nil
        if let upgrade = p.startTLS, result.isSuccess {
            // Why here, in the same event-loop turn as the response: any byte read after this point goes through
            // TLS, so nothing can slip in between. Bytes already received after the response came in clear text.
            guard !frame.followedByMoreBytes, pending.isEmpty else {
                let error = LDAPError.protocolError("data received after the StartTLS response (possible injection)")
                p.promise.fail(error)
                fail(context, error)
                return
            }
            do {
                let tls = try NIOSSLClientHandler(context: upgrade.context, serverHostname: upgrade.serverHostname)
                try context.pipeline.syncOperations.addHandler(tls, position: .first)
            } catch {
                p.promise.fail(LDAPError.tls("\(error)"))
                fail(context, .tls("\(error)"))
                return
            }
        }
        p.promise.succeed(p.received)
    }

    func channelInactive(context: ChannelHandlerContext) {
        failAll(.connectionClosed("the connection was closed"))
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        fail(context, Self.map(error))
    }

    /// Transport and TLS errors as ``LDAPError``.
    static func map(_ error: any Error) -> LDAPError {
        switch error {
        case let e as LDAPError: e
        case let e as NIOSSLError: .tls("\(e)")
        case let e as BoringSSLError: .tls("\(e)")
        case let e as NIOSSLExtraError: .tls("\(e)")
        default: .connectionClosed("\(error)")
        }
    }

    /// A failed write: a TLS failure (the handshake failed while the request waited for it) stays one, anything
    /// else means the request did not leave.
    static func unsent(_ error: any Error) -> LDAPError {
        let mapped = map(error)
        if case .tls = mapped { return mapped }
        if case .notSent = mapped { return mapped }
        return .notSent("\(error)")
    }

    private func fail(_ context: ChannelHandlerContext, _ error: LDAPError) {
        failAll(error)
        context.close(promise: nil)
    }

    /// Fails every pending request with the first error seen on this connection (a TLS failure, say, rather than
    /// the "closed" that follows it).
    private func failAll(_ error: LDAPError) {
        if failure == nil {
            failure = error
            firstFailure.record(error)
        }
        let waiting = pending
        pending = [:]
        for p in waiting.values { p.promise.fail(failure ?? error) }
    }
}

/// The first failure of a connection, readable from any thread.
final class LDAPFailureRecord: Sendable {
    private let value = Mutex<LDAPError?>(nil)
    func record(_ error: LDAPError) { value.withLock { if $0 == nil { $0 = error } } }
    var error: LDAPError? { value.withLock { $0 } }
}
