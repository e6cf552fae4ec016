import AsyncHTTPClient
import Foundation
import LifelineCore
import Logging
import NIOCore
import NIOPosix
import NIOSSL
import ServiceLifecycle

/// Sends SMS through a provider's HTTP API (one request per message) with AsyncHTTPClient.
///
/// Answers: 2xx means sent; 408, 429 and 5xx, timeouts and connection failures are transient; any other status
/// (4xx, and 3xx since redirects are not followed) is permanent.
///
/// It owns one `HTTPClient` (unless given one). As a `Service` it does nothing but shut that client down on
/// graceful shutdown: put it in the `ServiceGroup` *before* the ``OutboxDispatcher`` (services stop in reverse
/// order, so the dispatcher finishes its sends first).
public final class SMSGatewaySender: MessageSender, Service {
    private let configuration: SMSGatewayConfiguration
    private let client: HTTPClient
    private let ownsClient: Bool
    private let logger: Logger

    /// A sender; validates the configuration now, so mistakes show at start-up.
    /// - Parameter httpClient: a client to share; nil creates one that this sender shuts down.
    public init(configuration: SMSGatewayConfiguration, httpClient: HTTPClient? = nil,
                logger: Logger = Logger(label: "lifeline.delivery.sms")) throws {
        try configuration.validate()
        self.configuration = configuration
        self.logger = logger
        if let httpClient {
            client = httpClient
            ownsClient = false
        } else {
            var tls = TLSConfiguration.makeClientConfiguration()
            // Why: the gateway receives credentials and codes; its certificate is always verified.
            tls.certificateVerification = .fullVerification
            tls.minimumTLSVersion = .tlsv12
            if let path = configuration.caFilePath { tls.trustRoots = .file(path) }
            // Why no redirects: following one could hand the Authorization header and the code to another host,
            // and a redirected POST may turn into a GET without the body.
            let httpConfiguration = HTTPClient.Configuration(
                tlsConfiguration: tls, redirectConfiguration: .disallow,
                timeout: .init(connect: TimeAmount(configuration.timeout), read: TimeAmount(configuration.timeout)))
            client = HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: httpConfiguration)
            ownsClient = true
        }
    }

    /// Sends one request for `message` (channel `sms`, recipient an E.164 number).
    public func send(_ message: OutgoingMessage) async throws {
        let request = try SMSRequest.build(configuration, to: message.recipient, text: message.text)
        let status: UInt
        do {
            let response = try await client.execute(request, timeout: TimeAmount(configuration.timeout), logger: nil)
            status = response.status.code
            // Drained and dropped, never logged: a gateway may echo the text (and so the code) back.
            for try await _ in response.body {}
        } catch {
            let described = Self.describe(error)
            logger.notice("SMS not sent", metadata: ["message": "\(message.id)", "error": "\(described)"])
            throw DeliveryError(permanent: false, "SMS gateway request failed: \(described)")
        }
        switch status {
        case 200..<300:
            logger.debug("SMS accepted", metadata: ["message": "\(message.id)"])
        case 408, 429, 500..<600:
            logger.notice("SMS gateway busy or failing", metadata: ["message": "\(message.id)", "status": "\(status)"])
            throw DeliveryError(permanent: false, "SMS gateway answered HTTP \(status)")
        default:
            logger.notice("SMS rejected", metadata: ["message": "\(message.id)", "status": "\(status)"])
            throw DeliveryError(permanent: true, "SMS gateway answered HTTP \(status)")
        }
    }

    /// A failure in words safe to store. Why a list of known types: with GET the URL holds the text, so only
    /// errors known not to quote the request are described in full; others by their type name.
    static func describe(_ error: any Error) -> String {
        switch error {
        case is HTTPClientError, is NIOConnectionError, is IOError, is ChannelError, is NIOSSLError, is BoringSSLError:
            return "\(error)"
        default:
            return String(describing: type(of: error))
        }
    }

    /// Waits for graceful shutdown, then shuts the HTTP client down (if this sender created it).
    public func run() async throws {
        try? await gracefulShutdown()
        try await shutdown()
    }

    /// Shuts the HTTP client down (if this sender created it). Call once, after the last ``send(_:)``.
    public func shutdown() async throws {
        if ownsClient { try await client.shutdown() }
    }
}
