import NIOCore

/// One complete LDAPMessage as it came off the wire.
struct LDAPFrame: Sendable {
    var bytes: [UInt8]
    /// More bytes were already received after this message. Why it matters: after a StartTLS response nothing may
    /// follow in clear text; bytes that did were injected by someone on the path (the STARTTLS injection class,
    /// CVE-2011-0411) and must not be read as if they came over TLS.
    var followedByMoreBytes: Bool
}

/// Cuts the TCP stream into LDAPMessages by their BER tag and length (swift-asn1's `parse` wants exactly one
/// element, so the framing is ours). RFC 4511 §5.1: only the definite length form is used.
struct LDAPFrameDecoder: ByteToMessageDecoder {
    typealias InboundOut = LDAPFrame

    /// Why a cap: a broken or hostile server must not make us buffer without end. Answers to Lifeline's requests
    /// (one entry with two attributes, a result) are tiny; 4 MiB leaves room for any sane response.
    static let maximumMessageSize = 4 * 1024 * 1024

    mutating func decode(context: ChannelHandlerContext, buffer: inout ByteBuffer) throws -> DecodingState {
        guard let (headerLength, contentLength) = try Self.header(buffer) else { return .needMoreData }
        let total = headerLength + contentLength
        guard buffer.readableBytes >= total, let bytes = buffer.readBytes(length: total) else { return .needMoreData }
        context.fireChannelRead(NIOAny(LDAPFrame(bytes: bytes, followedByMoreBytes: buffer.readableBytes > 0)))
        return .continue
    }

    mutating func decodeLast(context: ChannelHandlerContext, buffer: inout ByteBuffer, seenEOF: Bool) throws -> DecodingState {
        while try decode(context: context, buffer: &buffer) == .continue {}
        // A partial message at EOF is dropped; the client handler fails what was pending when the channel closes.
        buffer.moveReaderIndex(forwardBy: buffer.readableBytes)
        return .needMoreData
    }

    /// The header and content lengths of the message at the reader index, or nil if the header is incomplete.
    static func header(_ buffer: ByteBuffer) throws(LDAPError) -> (Int, Int)? {
        guard let tag = buffer.getInteger(at: buffer.readerIndex, as: UInt8.self),
              let first = buffer.getInteger(at: buffer.readerIndex + 1, as: UInt8.self) else { return nil }
        // LDAPMessage is a universal constructed SEQUENCE.
        guard tag == 0x30 else { throw .protocolError("message starts with tag 0x\(String(tag, radix: 16)), not SEQUENCE") }
        if first & 0x80 == 0 { return (2, Int(first)) }
        let count = Int(first & 0x7F)
        guard count != 0 else { throw .protocolError("indefinite length (not allowed in LDAP)") }
        guard count <= 4 else { throw .protocolError("length field of \(count) octets") }
        guard let lengthBytes = buffer.getBytes(at: buffer.readerIndex + 2, length: count) else { return nil }
        let length = lengthBytes.reduce(0) { $0 << 8 | Int($1) }
        guard length <= maximumMessageSize else { throw .protocolError("message of \(length) bytes exceeds the limit") }
        return (2 + count, length)
    }
}
