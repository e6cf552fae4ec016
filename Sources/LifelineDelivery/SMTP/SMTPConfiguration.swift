import Foundation
import LifelineCore

/// Settings of ``SMTPSender``: where the mail server is, how the connection is secured, who the mail is from.
public struct SMTPConfiguration: Sendable, Equatable {
    /// How the connection to the server is protected.
    public enum Security: String, Sendable, Equatable, CaseIterable {
        /// Plain text. Allowed only when ``SMTPConfiguration/host`` is the loopback interface (a local relay).
        case none
        /// Plain connection upgraded with STARTTLS before anything else is sent; refused if the server does not
        /// offer STARTTLS (usually port 587).
        case startTLS
        /// TLS from the first byte ("implicit TLS", usually port 465).
        case tls
    }

    /// The server's host name or IP address. The certificate is verified against it.
    public var host: String
    /// The server's port; nil means the usual one for ``security`` (25, 587 or 465).
    public var port: Int?
    /// How the connection is protected; default ``Security/startTLS``.
    public var security: Security
    /// A PEM file of trusted CA certificates; nil means the system's trust roots. Verification of the chain and the
    /// host name is always on.
    public var caFilePath: String?
    /// The user name for SMTP AUTH; nil to send without authenticating.
    public var username: String?
    /// The password for SMTP AUTH.
    public var password: String?
    /// The envelope sender and `From` address.
    public var fromAddress: String
    /// The display name in `From` (may be non-ASCII); empty for none.
    public var fromName: String
    /// The name this client gives in EHLO (a fully qualified host name).
    public var heloName: String
    /// How long connecting (TCP and, for ``Security/tls``, nothing more) may take.
    public var connectTimeout: Duration
    /// How long the server may take to answer any one command (including the TLS handshake and the final DATA).
    public var commandTimeout: Duration

    /// A configuration; only `host` and `fromAddress` have no default.
    public init(host: String, port: Int? = nil, security: Security = .startTLS, caFilePath: String? = nil,
                username: String? = nil, password: String? = nil, fromAddress: String, fromName: String = "Lifeline",
                heloName: String = "localhost", connectTimeout: Duration = .seconds(10),
                commandTimeout: Duration = .seconds(30)) {
        self.host = host; self.port = port; self.security = security; self.caFilePath = caFilePath
        self.username = username; self.password = password; self.fromAddress = fromAddress; self.fromName = fromName
        self.heloName = heloName; self.connectTimeout = connectTimeout; self.commandTimeout = commandTimeout
    }

    /// The port actually used.
    public var effectivePort: Int {
        if let port { return port }
        switch security {
        case .none: return 25
        case .startTLS: return 587
        case .tls: return 465
        }
    }

    /// True when `host` names the loopback interface.
    var hostIsLoopback: Bool {
        ["localhost", "127.0.0.1", "::1", "[::1]"].contains(host.lowercased()) || host.hasPrefix("127.")
    }

    /// Checks the settings; throws ``LifelineError`` (`configuration`) naming the first bad one.
    public func validate() throws(LifelineError) {
        guard !host.isEmpty else { throw LifelineError(.configuration, "delivery.smtp.host is empty") }
        guard (1...65535).contains(effectivePort) else { throw LifelineError(.configuration, "delivery.smtp.port is out of range") }
        // Why: without TLS the password and every one-time code cross the network in clear; only a relay on this
        // machine (loopback never leaves the host) may be spoken to that way.
        if security == .none && !hostIsLoopback {
            throw LifelineError(.configuration, "delivery.smtp.security 'none' is only allowed for a loopback host (127.0.0.1, ::1, localhost)")
        }
        guard (username == nil) == (password == nil) else {
            throw LifelineError(.configuration, "delivery.smtp.username and delivery.smtp.password must be set together")
        }
        // Why: these values go into SMTP commands and headers verbatim; a CR or LF would let them inject commands.
        for (key, value) in [("from_address", fromAddress), ("from_name", fromName), ("helo_name", heloName),
                             ("username", username ?? ""), ("password", password ?? "")]
        where value.contains(where: { $0.isNewline || $0 == "\0" }) {
            throw LifelineError(.configuration, "delivery.smtp.\(key) contains a line break or NUL")
        }
        guard MailAddress.isValid(fromAddress) else {
            throw LifelineError(.configuration, "delivery.smtp.from_address is not a plain address (local@domain)")
        }
        guard !heloName.isEmpty, heloName.allSatisfy({ $0.isASCII && !$0.isWhitespace }) else {
            throw LifelineError(.configuration, "delivery.smtp.helo_name must be an ASCII host name")
        }
        guard connectTimeout > .zero, commandTimeout > .zero else {
            throw LifelineError(.configuration, "delivery.smtp timeouts must be positive")
        }
    }
}

/// The narrow address syntax used in SMTP envelopes and headers here.
enum MailAddress {
    /// True for `local@domain` made of printable ASCII without spaces, angle brackets, quotes or commas.
    /// Why so strict: the address is written into `MAIL FROM`/`RCPT TO` and the `To` header; anything that could
    /// end a command, open a second address or a comment is refused rather than escaped.
    static func isValid(_ address: String) -> Bool {
        let parts = address.split(separator: "@", omittingEmptySubsequences: false)
        guard parts.count == 2, !parts[0].isEmpty, !parts[1].isEmpty, address.utf8.count <= 254 else { return false }
        return address.unicodeScalars.allSatisfy { s in
            s.value > 0x20 && s.value < 0x7f && !"<>()[]\\,;:\"".unicodeScalars.contains(s)
        }
    }
}
