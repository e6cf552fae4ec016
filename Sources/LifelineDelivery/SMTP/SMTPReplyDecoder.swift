import NIOCore
import Synchronization

/// Turns the server's bytes into ``SMTPReply`` values (multi-line replies joined).
///
/// A handler of its own rather than a `ByteToMessageDecoder` so that the STARTTLS step can ask it whether any
/// bytes arrived after the `220` (see ``hasBufferedInput``).
final class SMTPReplyDecoder: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = SMTPReply

    /// Why limits: a hostile or broken server must not make us buffer without end.
    static let maxLineLength = 4096
    static let maxLines = 200

    private var buffer = ByteBuffer()
    private var pending: [String] = []
    private var pendingCode = 0
    /// How many replies were passed on (compared with how many the client read, at STARTTLS).
    private(set) var repliesDecoded = 0

    /// Where the first error seen in the pipeline (e.g. a failed TLS handshake) is kept for the client.
    private let firstError: FirstError

    init(firstError: FirstError) { self.firstError = firstError }

    /// True when bytes or lines of a reply not yet complete are held.
    var hasBufferedInput: Bool { buffer.readableBytes > 0 || !pending.isEmpty }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var incoming = unwrapInboundIn(data)
        buffer.writeBuffer(&incoming)
        do {
            while let line = try nextLine() {
                if let reply = try take(line) {
                    repliesDecoded += 1
                    context.fireChannelRead(wrapInboundOut(reply))
                }
            }
        } catch {
            firstError.record(error)
            context.fireErrorCaught(error)
            context.close(promise: nil)
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        firstError.record(error)
        context.fireErrorCaught(error)
    }

    private func nextLine() throws -> String? {
        guard let newline = buffer.readableBytesView.firstIndex(of: UInt8(ascii: "\n")) else {
            if buffer.readableBytes > Self.maxLineLength { throw SMTPProtocolError(description: "SMTP reply line too long") }
            return nil
        }
        let length = newline - buffer.readerIndex
        guard length <= Self.maxLineLength else { throw SMTPProtocolError(description: "SMTP reply line too long") }
        var bytes = buffer.readBytes(length: length)!
        buffer.moveReaderIndex(forwardBy: 1)
        if bytes.last == UInt8(ascii: "\r") { bytes.removeLast() }
        buffer.discardReadBytes()
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Adds one line; returns the reply when this line was its last.
    private func take(_ line: String) throws -> SMTPReply? {
        let chars = Array(line.utf8)
        guard chars.count >= 3, chars[0..<3].allSatisfy({ (0x30...0x39).contains($0) }),
              let code = Int(String(decoding: chars[0..<3], as: UTF8.self)) else {
            throw SMTPProtocolError(description: "malformed SMTP reply line")
        }
        let separator = chars.count > 3 ? chars[3] : UInt8(ascii: " ")
        guard separator == UInt8(ascii: " ") || separator == UInt8(ascii: "-") else {
            throw SMTPProtocolError(description: "malformed SMTP reply line")
        }
        if !pending.isEmpty && code != pendingCode { throw SMTPProtocolError(description: "inconsistent multi-line SMTP reply") }
        guard pending.count < Self.maxLines else { throw SMTPProtocolError(description: "SMTP reply has too many lines") }
        pendingCode = code
        pending.append(chars.count > 4 ? String(decoding: chars[4...], as: UTF8.self) : "")
        guard separator == UInt8(ascii: " ") else { return nil }
        defer { pending = [] }
        return SMTPReply(code: code, lines: pending)
    }
}

/// The first error of a connection. A failed TLS handshake closes the channel, and what the client sees next is
/// only "I/O on closed channel"; this keeps the cause so that it can be reported.
final class FirstError: Sendable {
    private let box = Mutex<(any Error)?>(nil)
    func record(_ error: any Error) { box.withLock { if $0 == nil { $0 = error } } }
    var error: (any Error)? { box.withLock { $0 } }
}
