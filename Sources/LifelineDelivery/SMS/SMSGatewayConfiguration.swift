import Foundation
import LifelineCore

/// Settings of ``SMSGatewaySender``: one HTTP request per message to a provider's API.
///
/// The request body (or, for GET, the query) is built from ``fields``: each value is a template in which
/// `{{to}}`, `{{text}}` and `{{from}}` are replaced by the recipient, the message text and ``from``, then
/// escaped for the ``encoding``.
public struct SMSGatewayConfiguration: Sendable, Equatable {
    /// The HTTP method.
    public enum Method: String, Sendable, Equatable, CaseIterable {
        /// Fields in the body (default).
        case post = "POST"
        /// Fields in the query string (for gateways that only take GET; the text then appears in URLs, which
        /// the provider may log: prefer POST).
        case get = "GET"
    }

    /// How the fields are written into the body (POST).
    public enum BodyEncoding: String, Sendable, Equatable, CaseIterable {
        /// `application/x-www-form-urlencoded` (Twilio style).
        case form
        /// `application/json`: one object whose members are the fields, all strings.
        case json
    }

    /// How the request proves who we are.
    public enum Authentication: Sendable, Equatable {
        /// No `Authorization` header (e.g. a key in ``SMSGatewayConfiguration/headers``).
        case none
        /// `Authorization: Basic …` (user name and password, e.g. Twilio's account SID and auth token).
        case basic(username: String, password: String)
        /// `Authorization: Bearer <token>`.
        case bearer(token: String)
    }

    /// The endpoint, `https://` (plain `http://` only to a loopback host).
    public var url: String
    /// The HTTP method; default POST.
    public var method: Method
    /// Extra request headers (e.g. an API key header).
    public var headers: [String: String]
    /// The credentials; default none.
    public var authentication: Authentication
    /// The body encoding for POST; default form.
    public var encoding: BodyEncoding
    /// Field name → value template (`{{to}}`, `{{text}}`, `{{from}}`). Written in field-name order.
    public var fields: [String: String]
    /// The sender id or number substituted for `{{from}}`.
    public var from: String
    /// A PEM file of trusted CA certificates for an `https` URL; nil means the system's trust roots.
    public var caFilePath: String?
    /// How long one request may take in all (connect, send, answer).
    public var timeout: Duration

    /// A configuration; only `url` has no default. The default fields are `To`, `From`, `Body` (Twilio's names).
    public init(url: String, method: Method = .post, headers: [String: String] = [:],
                authentication: Authentication = .none, encoding: BodyEncoding = .form,
                fields: [String: String] = ["To": "{{to}}", "From": "{{from}}", "Body": "{{text}}"],
                from: String = "", caFilePath: String? = nil, timeout: Duration = .seconds(10)) {
        self.url = url; self.method = method; self.headers = headers; self.authentication = authentication
        self.encoding = encoding; self.fields = fields; self.from = from; self.caFilePath = caFilePath
        self.timeout = timeout
    }

    /// Checks the settings; throws ``LifelineError`` (`configuration`) naming the first bad one.
    public func validate() throws(LifelineError) {
        guard let components = URLComponents(string: url), let scheme = components.scheme?.lowercased(),
              let host = components.host, !host.isEmpty else {
            throw LifelineError(.configuration, "delivery.sms.url is not an absolute URL")
        }
        let loopback = ["localhost", "127.0.0.1", "::1"].contains(host.lowercased()) || host.hasPrefix("127.")
        // Why: the request carries the gateway credentials and a one-time code; in clear it could be read or
        // changed on the way. Plain HTTP is left for a relay on this machine.
        guard scheme == "https" || (scheme == "http" && loopback) else {
            throw LifelineError(.configuration, "delivery.sms.url must be https (http only for a loopback host)")
        }
        // Why: user info in the URL would end up in logs; credentials belong in `authentication`.
        guard components.user == nil && components.password == nil else {
            throw LifelineError(.configuration, "delivery.sms.url must not contain credentials; use delivery.sms.auth")
        }
        guard !fields.isEmpty else { throw LifelineError(.configuration, "delivery.sms.fields is empty") }
        guard fields.values.contains(where: { $0.contains("{{text}}") }) else {
            throw LifelineError(.configuration, "delivery.sms.fields must use {{text}} somewhere")
        }
        // Why: header values are sent verbatim; a line break would inject headers.
        for (name, value) in headers where name.isEmpty || (name + value).contains(where: { $0.isNewline }) {
            throw LifelineError(.configuration, "delivery.sms.headers has an empty name or a line break")
        }
        guard timeout > .zero else { throw LifelineError(.configuration, "delivery.sms.timeout must be positive") }
    }
}
