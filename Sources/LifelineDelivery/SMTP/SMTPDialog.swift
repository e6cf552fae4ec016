import Foundation
import LifelineCore
import NIOCore
import NIOSSL

/// The client side of one mail transaction: EHLO, STARTTLS, AUTH, MAIL, RCPT, DATA, QUIT.
struct SMTPDialog {
    var configuration: SMTPConfiguration
    var tlsContext: NIOSSLContext?
    var serverHostname: String?

    func run(on connection: inout SMTPConnection, recipient: String, data: inout ByteBuffer) async throws {
        let greeting = try await connection.readReply()
        guard greeting.code == 220 else { throw greeting.error("greeting") }
        var extensions = try await hello(&connection)

        if configuration.security == .startTLS {
            // Why: STARTTLS is required, not opportunistic; a server (or a man in the middle stripping the
            // capability) that does not offer it gets nothing. Transient, since a stripped capability may pass.
            guard extensions["STARTTLS"] != nil, let tlsContext else {
                throw DeliveryError(permanent: false, "the SMTP server does not offer STARTTLS; refusing to send in clear")
            }
            let reply = try await connection.command("STARTTLS")
            guard reply.code == 220 else { throw reply.error("STARTTLS") }
            try await connection.startTLS(context: tlsContext, serverHostname: serverHostname)
            // RFC 3207 §4.2: forget what the server said before TLS and ask again.
            extensions = try await hello(&connection)
        }

        if let username = configuration.username, let password = configuration.password {
            // Why: credentials travel only inside TLS, or in clear to a loopback relay that the operator chose
            // explicitly (security none is refused for any other host by validate()).
            guard connection.isSecure || configuration.security == .none else {
                throw DeliveryError(permanent: true, "refusing to send SMTP credentials without TLS")
            }
            try await authenticate(&connection, username: username, password: password,
                                   mechanisms: extensions["AUTH"] ?? [])
        }

        var reply = try await connection.command("MAIL FROM:<\(configuration.fromAddress)>")
        guard reply.code == 250 else { throw reply.error("MAIL FROM") }
        reply = try await connection.command("RCPT TO:<\(recipient)>")
        guard reply.code == 250 || reply.code == 251 else { throw reply.error("RCPT TO") }
        reply = try await connection.command("DATA")
        guard reply.code == 354 else { throw reply.error("DATA") }
        reply = try await connection.send(data)
        // The reply to the message itself could quote it (content filters), so only its code is kept.
        guard reply.code == 250 else { throw reply.error("message", includeText: false) }
        // The message is accepted; a failing QUIT changes nothing.
        _ = try? await connection.command("QUIT")
    }

    /// EHLO, falling back to HELO (RFC 5321 §4.1.1.1) only when no extension is needed.
    private func hello(_ connection: inout SMTPConnection) async throws -> [String: [String]] {
        let reply = try await connection.command("EHLO \(configuration.heloName)")
        if reply.code == 250 { return reply.extensions }
        let needsExtensions = configuration.username != nil
            || (configuration.security == .startTLS && !connection.isSecure)
        guard (500...504).contains(reply.code), !needsExtensions else { throw reply.error("EHLO") }
        let helo = try await connection.command("HELO \(configuration.heloName)")
        guard helo.code == 250 else { throw helo.error("HELO") }
        return [:]
    }

    /// AUTH PLAIN when offered (one round trip), else AUTH LOGIN (RFC 4954, RFC 4616).
    private func authenticate(_ connection: inout SMTPConnection, username: String, password: String,
                              mechanisms: [String]) async throws {
        func b64(_ s: String) -> String { Data(s.utf8).base64EncodedString() }
        let reply: SMTPReply
        if mechanisms.contains("PLAIN") {
            reply = try await connection.command("AUTH PLAIN " + b64("\0\(username)\0\(password)"))
        } else if mechanisms.contains("LOGIN") {
            let start = try await connection.command("AUTH LOGIN")
            guard start.code == 334 else { throw start.error("AUTH LOGIN") }
            let afterUser = try await connection.command(b64(username))
            guard afterUser.code == 334 else { throw afterUser.error("AUTH LOGIN") }
            reply = try await connection.command(b64(password))
        } else {
            throw DeliveryError(permanent: true, "the SMTP server offers neither AUTH PLAIN nor AUTH LOGIN")
        }
        // 535 (bad credentials) is permanent: repeating it would only lock the account.
        guard reply.code == 235 else { throw reply.error("AUTH") }
    }
}
