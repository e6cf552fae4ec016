import Foundation

/// One message as recorded by scripts/peers/smtp_capture.py.
struct CapturedMail: Decodable {
    struct Parsed: Decodable {
        var subject: String?
        var from: String?
        var to: String?
        var content_type: String
        var charset: String?
        var cte: String?
        var body: String?
        var defects: [String]
        var headers: [String]
    }
    var mail_from: String
    var rcpt_tos: [String]
    var data: String
    var tls: Bool
    var auth: Bool
    var mechanism: String?
    var parsed: Parsed
}

/// The SMTP capture server as a test peer.
enum SMTPPeer {
    enum TLS { case none, startTLS, implicit, untrustedStartTLS }

    static let username = "mailer"
    static let password = "s3cret pass"

    static func start(tls: TLS, auth: Bool, mechanisms: String = "PLAIN,LOGIN") async throws -> PeerProcess {
        var args = ["--mechanisms", mechanisms]
        let certs = try TestCertificates.shared()
        switch tls {
        case .none: break
        case .startTLS: args += ["--cert", certs.serverCert, "--key", certs.serverKey]
        case .implicit: args += ["--cert", certs.serverCert, "--key", certs.serverKey, "--implicit-tls"]
        case .untrustedStartTLS: args += ["--cert", certs.untrustedCert, "--key", certs.untrustedKey]
        }
        if auth { args += ["--username", username, "--password", password] }
        return try await PeerProcess.start(script: "smtp_capture.py", arguments: args)
    }
}
