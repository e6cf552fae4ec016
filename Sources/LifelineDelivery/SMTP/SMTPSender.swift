import Foundation
import LifelineCore
import Logging
import NIOCore
import NIOPosix
import NIOSSL

/// Sends email through an SMTP server (RFC 5321) over SwiftNIO: one connection per message, STARTTLS or implicit
/// TLS with full certificate verification, AUTH PLAIN or LOGIN.
///
/// Errors: a 5xx reply is a permanent ``DeliveryError``; 4xx replies, timeouts, connection and TLS failures are
/// transient (the dispatcher tries again later).
public struct SMTPSender: MessageSender {
    private let configuration: SMTPConfiguration
    private let tlsContext: NIOSSLContext?
    private let group: any EventLoopGroup
    private let clock: any LifelineClock
    private let logger: Logger

    /// A sender; validates the configuration and loads the trust roots now, so mistakes show at start-up.
    /// - Parameters:
    ///   - clock: gives the `Date` header (the system clock in production).
    ///   - group: the event loops to use; the NIO singleton by default.
    public init(configuration: SMTPConfiguration, clock: any LifelineClock,
                group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton,
                logger: Logger = Logger(label: "lifeline.delivery.smtp")) throws {
        try configuration.validate()
        self.configuration = configuration
        self.group = group
        self.clock = clock
        self.logger = logger
        if configuration.security == .none {
            tlsContext = nil
        } else {
            // Why: certificate chain and host name are always verified; a mail server we cannot authenticate
            // could be anyone, and it would receive recovery codes.
            var tls = TLSConfiguration.makeClientConfiguration()
            tls.certificateVerification = .fullVerification
            tls.minimumTLSVersion = .tlsv12
            if let path = configuration.caFilePath {
                tls.trustRoots = .file(path)
            }
            do {
                tlsContext = try NIOSSLContext(configuration: tls)
            } catch {
                throw LifelineError(.configuration, "delivery.smtp.ca_file could not be loaded: \(error)")
            }
        }
    }

    /// Hands `message` (channel `email`, recipient an address) to the SMTP server.
    public func send(_ message: OutgoingMessage) async throws {
        guard MailAddress.isValid(message.recipient) else {
            throw DeliveryError(permanent: true, "the recipient is not a plain email address")
        }
        let mime = MIMEMessage(fromAddress: configuration.fromAddress, fromName: configuration.fromName,
                               to: message.recipient, subject: message.subject, text: message.text,
                               date: clock.now(), messageID: messageID(for: message))
        var data = ByteBuffer(string: DotStuffing.apply(mime.render()))
        let started = ContinuousClock.now
        do {
            let configuration = self.configuration
            let tlsContext = self.tlsContext
            let serverHostname = Self.serverHostname(configuration.host)
            try await SMTPConnection.with(
                host: configuration.host, port: configuration.effectivePort,
                implicitTLS: configuration.security == .tls ? tlsContext : nil, serverHostname: serverHostname,
                connectTimeout: configuration.connectTimeout, commandTimeout: configuration.commandTimeout, group: group
            ) { connection in
                try await SMTPDialog(configuration: configuration, tlsContext: tlsContext, serverHostname: serverHostname)
                    .run(on: &connection, recipient: message.recipient, data: &data)
            }
        } catch let error as DeliveryError {
            logger.notice("email not accepted", metadata: ["message": "\(message.id)", "error": "\(error.message)"])
            throw error
        } catch {
            let described = Self.describe(error)
            logger.notice("email not sent", metadata: ["message": "\(message.id)", "error": "\(described)"])
            throw DeliveryError(permanent: false, described)
        }
        logger.debug("email accepted", metadata: ["message": "\(message.id)", "took": "\(ContinuousClock.now - started)"])
    }

    private func messageID(for message: OutgoingMessage) -> String {
        let domain = configuration.fromAddress.split(separator: "@").last.map(String.init) ?? configuration.heloName
        return message.id.uuidString.lowercased() + "@" + domain
    }

    /// The name for SNI and certificate checks; nil for an IP address (NIOSSL then checks the IP against the
    /// certificate's IP SANs).
    static func serverHostname(_ host: String) -> String? {
        let bare = host.trimmingCharacters(in: CharacterSet(charactersIn: "[]"))
        if (try? SocketAddress(ipAddress: bare, port: 0)) != nil { return nil }
        return host
    }

    /// A failure below the SMTP replies, in words safe to store.
    static func describe(_ error: any Error) -> String {
        switch error {
        case let error as SMTPTimeout: return error.description
        case let error as SMTPProtocolError: return "SMTP protocol error: \(error.description)"
        case let error as NIOSSLError: return "TLS failed: \(error)"
        case let error as BoringSSLError: return "TLS failed: \(error)"
        case is ChannelError: return "SMTP connection failed: \(error)"
        default: return "SMTP connection failed: \(error)"
        }
    }
}
