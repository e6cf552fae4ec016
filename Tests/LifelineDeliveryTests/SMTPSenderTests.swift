import Foundation
import LifelineCore
import LifelineDelivery
import Testing

/// SMTPSender against a real SMTP server (aiosmtpd via scripts/peers/smtp_capture.py) with real TLS.
@Suite struct SMTPSenderTests {
    static let subject = "Obnovení přístupu – kód"
    /// A body that exercises the encoding: non-ASCII, a lone "." line (would end DATA if not dot-stuffed), a line
    /// starting with ".", "=" signs, trailing spaces and a line longer than 76 characters.
    static let text = [
        "Dobrý den,",
        "váš kód pro obnovení přístupu je 482 193.",
        ".",
        ".hidden line after a dot",
        "a = b, 100 % hotovo, trailing spaces   ",
        String(repeating: "Žluťoučký kůň úpěl ďábelské ódy. ", count: 4),
        "Lifeline",
    ].joined(separator: "\n")

    func configuration(_ peer: PeerProcess, host: String = "localhost", security: SMTPConfiguration.Security = .startTLS,
                       password: String? = SMTPPeer.password, auth: Bool = true) throws -> SMTPConfiguration {
        SMTPConfiguration(host: host, port: peer.port, security: security, caFilePath: try TestCertificates.shared().caFile,
                          username: auth ? SMTPPeer.username : nil, password: auth ? password : nil,
                          fromAddress: "noreply@lifeline.test", fromName: "Lifeline – Obnova",
                          heloName: "client.lifeline.test", connectTimeout: .seconds(60), commandTimeout: .seconds(60))
    }

    func message(to: String = "jana.novakova@example.org") -> OutgoingMessage {
        OutgoingMessage(id: UUID(), channel: .email, recipient: to, subject: Self.subject, text: Self.text)
    }

    func checkWellFormed(_ mail: CapturedMail, _ sent: OutgoingMessage) throws {
        #expect(mail.mail_from == "noreply@lifeline.test")
        #expect(mail.rcpt_tos == [sent.recipient])
        // Python's email parser as the independent decoder.
        #expect(mail.parsed.defects == [])
        #expect(mail.parsed.subject == Self.subject)
        #expect(mail.parsed.from == "Lifeline – Obnova <noreply@lifeline.test>")
        #expect(mail.parsed.to == sent.recipient)
        #expect(mail.parsed.content_type == "text/plain")
        #expect(mail.parsed.charset == "utf-8")
        #expect(mail.parsed.cte == "quoted-printable")
        let body = try #require(mail.parsed.body).replacingOccurrences(of: "\r\n", with: "\n")
        #expect(body == Self.text + "\n")
        for name in ["Date", "Message-ID", "From", "To", "Subject", "MIME-Version", "Content-Type", "Content-Transfer-Encoding"] {
            #expect(mail.parsed.headers.contains(name), "missing header \(name)")
        }
        // The raw bytes: CRLF only, 7-bit, lines within limits, encoded words, the un-stuffed dot lines.
        let raw = mail.data
        #expect(!raw.replacingOccurrences(of: "\r\n", with: "").contains("\n"), "bare LF in the message")
        #expect(raw.unicodeScalars.allSatisfy { $0.isASCII }, "8-bit data in the message")
        let lines = raw.components(separatedBy: "\r\n")
        #expect(lines.allSatisfy { $0.utf8.count <= 78 }, "a line longer than 78 characters")
        #expect(raw.contains("\r\nSubject: =?UTF-8?B?"))
        #expect(raw.contains("\r\nMessage-ID: <\(sent.id.uuidString.lowercased())@lifeline.test>\r\n"))
        #expect(raw.contains("\r\nMIME-Version: 1.0\r\n"))
        #expect(raw.contains("\r\n.\r\n.hidden line after a dot\r\n"))
        let date = try #require(lines.first { $0.hasPrefix("Date: ") })
        #expect(date.wholeMatch(of: /Date: (Mon|Tue|Wed|Thu|Fri|Sat|Sun), \d\d (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) \d{4} \d\d:\d\d:\d\d \+0000/) != nil, "\(date)")
    }

    @Test func startTLSWithAuthPlainDeliversAWellFormedMessage() async throws {
        let peer = try await SMTPPeer.start(tls: .startTLS, auth: true)
        defer { peer.stop() }
        let sent = message()
        try await SMTPSender(configuration: configuration(peer), clock: WallClock()).send(sent)
        let mails = try peer.records(CapturedMail.self)
        try #require(mails.count == 1)
        #expect(mails[0].tls && mails[0].auth)
        #expect(mails[0].mechanism == "PLAIN")
        try checkWellFormed(mails[0], sent)
    }

    @Test func authLoginIsUsedWhenPlainIsNotOfferedAndAnIPAddressIsVerified() async throws {
        let peer = try await SMTPPeer.start(tls: .startTLS, auth: true, mechanisms: "LOGIN")
        defer { peer.stop() }
        let sent = message()
        try await SMTPSender(configuration: configuration(peer, host: "127.0.0.1"), clock: WallClock()).send(sent)
        let mails = try peer.records(CapturedMail.self)
        try #require(mails.count == 1)
        #expect(mails[0].tls && mails[0].auth)
        #expect(mails[0].mechanism == "LOGIN")
        try checkWellFormed(mails[0], sent)
    }

    @Test func implicitTLSDelivers() async throws {
        let peer = try await SMTPPeer.start(tls: .implicit, auth: true)
        defer { peer.stop() }
        let sent = message()
        try await SMTPSender(configuration: configuration(peer, security: .tls), clock: WallClock()).send(sent)
        let mails = try peer.records(CapturedMail.self)
        try #require(mails.count == 1)
        #expect(mails[0].tls && mails[0].auth)
        try checkWellFormed(mails[0], sent)
    }

    @Test func plainTextToLoopbackWithoutAuthDelivers() async throws {
        let peer = try await SMTPPeer.start(tls: .none, auth: false)
        defer { peer.stop() }
        let sent = message()
        try await SMTPSender(configuration: configuration(peer, host: "127.0.0.1", security: .none, auth: false),
                             clock: WallClock()).send(sent)
        let mails = try peer.records(CapturedMail.self)
        try #require(mails.count == 1)
        #expect(!mails[0].tls && !mails[0].auth)
        try checkWellFormed(mails[0], sent)
    }

    @Test func anUntrustedCertificateIsRefused() async throws {
        let peer = try await SMTPPeer.start(tls: .untrustedStartTLS, auth: true)
        defer { peer.stop() }
        let error = await #expect(throws: DeliveryError.self) {
            try await SMTPSender(configuration: configuration(peer), clock: WallClock()).send(message())
        }
        #expect(error?.message.contains("TLS") == true, "\(String(describing: error))")
        #expect(try peer.records(CapturedMail.self).isEmpty)
    }

    @Test func aWrongPasswordIsAPermanentError() async throws {
        let peer = try await SMTPPeer.start(tls: .startTLS, auth: true)
        defer { peer.stop() }
        let error = await #expect(throws: DeliveryError.self) {
            try await SMTPSender(configuration: configuration(peer, password: "wrong"), clock: WallClock()).send(message())
        }
        #expect(error?.permanent == true)
        #expect(error?.message.contains("535") == true, "\(String(describing: error))")
        #expect(try peer.records(CapturedMail.self).isEmpty)
    }

    @Test func aServerWithoutSTARTTLSIsRefused() async throws {
        let peer = try await SMTPPeer.start(tls: .none, auth: false)
        defer { peer.stop() }
        let error = await #expect(throws: DeliveryError.self) {
            try await SMTPSender(configuration: configuration(peer, auth: false), clock: WallClock()).send(message())
        }
        #expect(error?.message.contains("STARTTLS") == true, "\(String(describing: error))")
        #expect(try peer.records(CapturedMail.self).isEmpty)
    }

    @Test func aSilentServerTimesOutAsATransientError() async throws {
        // The HTTP receiver accepts the connection but never sends an SMTP greeting.
        let peer = try await SMSPeer.start()
        defer { peer.stop() }
        var config = try configuration(peer, security: .none, auth: false)
        config.host = "127.0.0.1"
        config.commandTimeout = .milliseconds(300)
        let error = await #expect(throws: DeliveryError.self) {
            try await SMTPSender(configuration: config, clock: WallClock()).send(message())
        }
        #expect(error?.permanent == false)
        #expect(error?.message.contains("in time") == true, "\(String(describing: error))")
    }

    @Test func aClosedPortIsATransientError() async throws {
        var config = SMTPConfiguration(host: "127.0.0.1", port: 1, security: .none, fromAddress: "noreply@lifeline.test")
        config.connectTimeout = .seconds(2)
        let error = await #expect(throws: DeliveryError.self) {
            try await SMTPSender(configuration: config, clock: WallClock()).send(message())
        }
        #expect(error?.permanent == false)
    }

    @Test func aRecipientThatCouldInjectCommandsIsRefusedPermanently() async throws {
        let config = SMTPConfiguration(host: "127.0.0.1", port: 1, security: .none, fromAddress: "noreply@lifeline.test")
        for bad in ["a@b.c>\r\nRCPT TO:<evil@x.y", "no-at-sign", "a b@c.d", "x@y.z,evil@x.y"] {
            let error = await #expect(throws: DeliveryError.self) {
                try await SMTPSender(configuration: config, clock: WallClock()).send(message(to: bad))
            }
            #expect(error?.permanent == true, "\(bad)")
        }
    }
}
