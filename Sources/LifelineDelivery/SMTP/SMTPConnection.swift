import NIOCore
import NIOPosix
import NIOSSL
import Synchronization

/// One SMTP connection: send a command, read its reply, upgrade to TLS. Each wait for the server is bounded by the
/// command timeout (the channel is closed when it runs out, which ends the wait).
struct SMTPConnection {
    private let channel: Channel
    private var inbound: NIOAsyncChannelInboundStream<SMTPReply>.AsyncIterator
    private let outbound: NIOAsyncChannelOutboundWriter<ByteBuffer>
    private let timeout: TimeAmount
    private var repliesRead = 0
    private let firstError: FirstError
    /// Set once a command's deadline ran out and closed the channel; sticky for the connection's life.
    private let expired = Expiry()
    /// True once TLS is on (implicit or after STARTTLS).
    private(set) var isSecure: Bool

    /// Connects, runs `body` on the connection and closes it whatever happens.
    static func with<Result: Sendable>(
        host: String, port: Int, implicitTLS: NIOSSLContext?, serverHostname: String?,
        connectTimeout: Duration, commandTimeout: Duration, group: any EventLoopGroup,
        _ body: (inout SMTPConnection) async throws -> Result
    ) async throws -> Result {
        let firstError = FirstError()
        let asyncChannel = try await ClientBootstrap(group: group)
            .connectTimeout(TimeAmount(connectTimeout))
            .channelOption(.socketOption(.tcp_nodelay), value: 1)
            .connect(host: host, port: port) { channel in
                channel.eventLoop.makeCompletedFuture {
                    if let implicitTLS {
                        try channel.pipeline.syncOperations.addHandler(
                            try NIOSSLClientHandler(context: implicitTLS, serverHostname: serverHostname))
                    }
                    try channel.pipeline.syncOperations.addHandler(SMTPReplyDecoder(firstError: firstError))
                    return try NIOAsyncChannel<SMTPReply, ByteBuffer>(wrappingChannelSynchronously: channel)
                }
            }
        let channel = asyncChannel.channel
        return try await asyncChannel.executeThenClose { inbound, outbound in
            var connection = SMTPConnection(channel: channel, inbound: inbound.makeAsyncIterator(), outbound: outbound,
                                            timeout: TimeAmount(commandTimeout), isSecure: implicitTLS != nil,
                                            firstError: firstError)
            return try await body(&connection)
        }
    }

    private init(channel: Channel, inbound: NIOAsyncChannelInboundStream<SMTPReply>.AsyncIterator,
                 outbound: NIOAsyncChannelOutboundWriter<ByteBuffer>, timeout: TimeAmount, isSecure: Bool,
                 firstError: FirstError) {
        self.channel = channel; self.inbound = inbound; self.outbound = outbound; self.timeout = timeout
        self.isSecure = isSecure; self.firstError = firstError
    }

    /// Reads the next reply (the greeting, or the answer to something already written).
    mutating func readReply() async throws -> SMTPReply {
        try await withDeadline { connection in try await connection.nextReply() }
    }

    /// Writes `line` + CRLF and reads the reply.
    mutating func command(_ line: String) async throws -> SMTPReply {
        try await send(ByteBuffer(string: line + "\r\n"))
    }

    /// Writes raw bytes (already CRLF-terminated) and reads the reply.
    mutating func send(_ bytes: ByteBuffer) async throws -> SMTPReply {
        try await withDeadline { connection in
            try await connection.outbound.write(bytes)
            return try await connection.nextReply()
        }
    }

    /// Puts TLS under the conversation, after the server's `220` to STARTTLS.
    mutating func startTLS(context: NIOSSLContext, serverHostname: String?) async throws {
        let channel = self.channel
        let expected = repliesRead
        let expired = self.expired
        do {
            try await addTLS(channel: channel, expected: expected, context: context, serverHostname: serverHostname)
        } catch {
            // The channel closed by an earlier command's late deadline (see withDeadline).
            if expired.flag.load(ordering: .relaxed) { throw SMTPTimeout() }
            throw error
        }
        isSecure = true
    }

    private func addTLS(channel: Channel, expected: Int, context: NIOSSLContext, serverHostname: String?) async throws {
        try await channel.eventLoop.submit {
            let decoder = try channel.pipeline.syncOperations.handler(type: SMTPReplyDecoder.self)
            // Why: anything that arrived after the 220 came in clear text and would be read as if it came over
            // TLS (STARTTLS response injection, CVE-2011-0411 class); such a server or path is not trusted.
            guard !decoder.hasBufferedInput, decoder.repliesDecoded == expected else {
                throw SMTPProtocolError(description: "data received after the STARTTLS reply (possible injection)")
            }
            try channel.pipeline.syncOperations.addHandler(
                try NIOSSLClientHandler(context: context, serverHostname: serverHostname), position: .first)
        }.get()
    }

    private mutating func nextReply() async throws -> SMTPReply {
        guard let reply = try await inbound.next() else {
            throw SMTPProtocolError(description: "the server closed the connection")
        }
        repliesRead += 1
        return reply
    }

    /// Runs `body`, closing the channel if it has not finished within the command timeout.
    private mutating func withDeadline<T>(_ body: (inout SMTPConnection) async throws -> T) async throws -> T {
        // Why the flag belongs to the connection, not to this command: when the machine is slow to run the caller, a
        // deadline can fire after the reply arrived but before it was cancelled. The channel is then closed, and the
        // next command would fail with a bare "I/O on closed channel"; it must say "timed out" instead.
        let expired = self.expired
        if expired.flag.load(ordering: .relaxed) { throw SMTPTimeout() }
        let channel = self.channel
        let task = channel.eventLoop.scheduleTask(in: timeout) {
            expired.flag.store(true, ordering: .relaxed)
            channel.close(promise: nil)
        }
        defer { task.cancel() }
        do {
            return try await body(&self)
        } catch {
            if expired.flag.load(ordering: .relaxed) { throw SMTPTimeout() }
            throw firstError.error ?? error
        }
    }
}

/// The server did not answer within the command timeout.
struct SMTPTimeout: Error, CustomStringConvertible {
    var description: String { "the SMTP server did not answer in time" }
}

private final class Expiry: Sendable {
    let flag = Atomic<Bool>(false)
}
