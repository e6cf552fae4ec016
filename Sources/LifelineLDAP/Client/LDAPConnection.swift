import NIOCore
import NIOPosix
import NIOSSL
import Synchronization

/// The answer to a search: its entries and the final result (continuation references are dropped: Lifeline does not
/// chase referrals, and Active Directory sends some for its application partitions on every subtree search).
struct LDAPSearchResult: Sendable {
    var entries: [LDAPEntry]
    var result: LDAPResult
    /// The controls of the SearchResultDone (the paged-results cookie).
    var controls: [LDAPControl] = []
}

/// One LDAPv3 connection (RFC 4511) over SwiftNIO. Requests may be sent concurrently once the connection is bound:
/// responses are matched by message id. Every request waits at most `timeout`; when it runs out the connection is
/// closed, since its state is unknown.
final class LDAPConnection: Sendable {
    let channel: any Channel
    private let timeout: TimeAmount
    private let lastMessageID = Mutex<Int32>(0)
    private let encrypted: Atomic<Bool>
    private let firstFailure: LDAPFailureRecord

    private init(channel: any Channel, timeout: TimeAmount, encrypted: Bool, firstFailure: LDAPFailureRecord) {
        self.channel = channel; self.timeout = timeout; self.encrypted = Atomic(encrypted); self.firstFailure = firstFailure
    }

    /// Connects to `host:port`, with TLS from the first byte when `implicitTLS` is given (LDAPS).
    static func connect(host: String, port: Int, implicitTLS: StartTLSUpgrade?, timeout: Duration,
                        group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton) async throws(LDAPError) -> LDAPConnection {
        let channel: any Channel
        let firstFailure = LDAPFailureRecord()
        do {
            channel = try await ClientBootstrap(group: group)
                .connectTimeout(TimeAmount(timeout))
                .channelOption(.socketOption(.tcp_nodelay), value: 1)
                .channelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture {
                        if let implicitTLS {
                            try channel.pipeline.syncOperations.addHandler(
                                try NIOSSLClientHandler(context: implicitTLS.context, serverHostname: implicitTLS.serverHostname))
                        }
                        try channel.pipeline.syncOperations.addHandler(ByteToMessageHandler(LDAPFrameDecoder()))
                        try channel.pipeline.syncOperations.addHandler(LDAPClientHandler(firstFailure: firstFailure))
                    }
                }
                .connect(host: host, port: port).get()
        } catch {
            throw .connectFailed("\(host):\(port): \(error)")
        }
        return LDAPConnection(channel: channel, timeout: TimeAmount(timeout), encrypted: implicitTLS != nil, firstFailure: firstFailure)
    }

    /// Whether the connection is still open (a server may close an idle one at any time).
    var isActive: Bool { channel.isActive }

    /// Whether the conversation runs over TLS (LDAPS, or after StartTLS).
    var isEncrypted: Bool { encrypted.load(ordering: .relaxed) }

    /// Message ids 1…2³¹−1 (§4.1.1.1: 0 is reserved for unsolicited notifications), wrapping around.
    private func nextMessageID() -> Int32 {
        lastMessageID.withLock { id in
            id = id == Int32.max ? 1 : id + 1
            return id
        }
    }

    /// Sends one request and waits for its responses.
    func send(_ operation: LDAPOperation, controls: [LDAPControl] = [], startTLS: StartTLSUpgrade? = nil) async throws(LDAPError) -> [LDAPResponse] {
        let id = nextMessageID()
        let bytes = ByteBuffer(bytes: LDAPRequest(messageID: id, operation: operation, controls: controls).encoded())
        let channel = self.channel
        guard operation.expectsResponse else {
            do { try await channel.writeAndFlush(LDAPOutbound(messageID: id, bytes: bytes, responses: nil, startTLS: nil)).get() }
            catch { throw LDAPClientHandler.unsent(error) }
            return []
        }
        let promise = channel.eventLoop.makePromise(of: [LDAPResponse].self)
        let expired = TimeoutFlag()
        let timer = channel.eventLoop.scheduleTask(in: timeout) {
            expired.flag.store(true, ordering: .relaxed)
            promise.fail(LDAPError.timeout)
            channel.close(promise: nil)
        }
        defer { timer.cancel() }
        channel.writeAndFlush(LDAPOutbound(messageID: id, bytes: bytes, responses: promise, startTLS: startTLS)).whenFailure { error in
            // The handler was never reached (the pipeline is gone once closed); a second completion is ignored.
            promise.fail(LDAPClientHandler.unsent(error))
        }
        do {
            return try await promise.futureResult.get()
        } catch {
            if expired.flag.load(ordering: .relaxed) { throw .timeout }
            // A TLS failure explains whatever followed it on this connection ("closed", "not sent").
            if case .tls? = firstFailure.error { throw firstFailure.error! }
            throw LDAPClientHandler.map(error)
        }
    }

    /// The single final response of a request that has no entries.
    private func single(_ operation: LDAPOperation, controls: [LDAPControl] = [], startTLS: StartTLSUpgrade? = nil) async throws(LDAPError) -> LDAPResponse {
        let responses = try await send(operation, controls: controls, startTLS: startTLS)
        guard responses.count == 1, let response = responses.first else { throw .protocolError("unexpected intermediate responses") }
        return response
    }

    /// Simple bind (RFC 4513 §5.1.3). Returns the server's result; a refused bind is a result, not an error.
    func bind(dn: String, password: String) async throws(LDAPError) -> LDAPResult {
        // Why refuse an empty password: a simple bind with a DN and no password is an "unauthenticated bind"
        // (RFC 4513 §5.1.2) that many servers answer with success, which would look like a valid login.
        guard !password.isEmpty else { throw .configuration("refusing a simple bind with an empty password") }
        let response = try await single(.simpleBind(dn: dn, password: LDAPSecret(password)))
        guard case .bind(let result) = response.operation else { throw .protocolError("expected a BindResponse") }
        return result
    }

    func search(_ request: LDAPSearchRequest, controls: [LDAPControl] = []) async throws(LDAPError) -> LDAPSearchResult {
        var entries: [LDAPEntry] = []
        for response in try await send(.search(request), controls: controls) {
            switch response.operation {
            case .searchEntry(let entry): entries.append(entry)
            case .searchReference, .intermediate: continue
            case .searchDone(let result): return LDAPSearchResult(entries: entries, result: result, controls: response.controls)
            default: throw .protocolError("unexpected response to a search")
            }
        }
        throw .protocolError("search ended without SearchResultDone")
    }

    /// A ModifyRequest; returns the result and the response controls.
    func modify(dn: String, changes: [LDAPModification], controls: [LDAPControl] = []) async throws(LDAPError) -> (LDAPResult, [LDAPControl]) {
        let response = try await single(.modify(dn: dn, changes: changes), controls: controls)
        guard case .modify(let result) = response.operation else { throw .protocolError("expected a ModifyResponse") }
        return (result, response.controls)
    }

    func add(dn: String, attributes: [(String, [[UInt8]])]) async throws(LDAPError) -> LDAPResult {
        let response = try await single(.add(dn: dn, attributes: attributes))
        guard case .add(let result) = response.operation else { throw .protocolError("expected an AddResponse") }
        return result
    }

    /// An ExtendedRequest; returns the whole response (result, responseName, responseValue, controls).
    func extended(name: String, value: [UInt8]?, controls: [LDAPControl] = []) async throws(LDAPError) -> LDAPResponse {
        let response = try await single(.extended(name: name, value: value), controls: controls)
        guard case .extended = response.operation else { throw .protocolError("expected an ExtendedResponse") }
        return response
    }

    /// StartTLS (RFC 4511 §4.14): asks the server, then runs TLS under the conversation, verifying the server.
    /// Must be the only request in flight.
    func startTLS(_ upgrade: StartTLSUpgrade) async throws(LDAPError) {
        let response = try await single(.extended(name: "1.3.6.1.4.1.1466.20037", value: nil), startTLS: upgrade)
        guard let result = response.operation.result, result.isSuccess else {
            throw .tls("the server refused StartTLS: \(response.operation.result?.description ?? "?")")
        }
        encrypted.store(true, ordering: .relaxed)
    }

    /// Unbind and close (best effort; the connection is unusable afterwards).
    func close() async {
        if channel.isActive {
            _ = try? await send(.unbind)
        }
        try? await channel.close()
    }
}

/// Set by a request's timer when it ran out.
private final class TimeoutFlag: Sendable {
    let flag = Atomic<Bool>(false)
}
