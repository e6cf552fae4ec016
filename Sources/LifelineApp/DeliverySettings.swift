import Configuration
import Foundation
import LifelineCore

/// Where messages go: SMTP for email, an HTTP gateway for SMS. In demo mode an unset channel goes to the
/// development outbox; otherwise messages of a channel without a provider fail (recorded in the outbox), and with
/// no provider at all they wait in the outbox until one is configured.
public struct DeliverySettings: Sendable, Equatable {
    public var smtpHost: String?
    /// nil: the usual port of the security mode (587 starttls, 465 tls, 25 none).
    public var smtpPort: Int?
    /// `starttls` (default), `tls` (implicit) or `none` (loopback only).
    public var smtpSecurity = "starttls"
    public var smtpCAFile: String?
    public var smtpUsername: String?
    public var smtpPassword: String?
    public var smtpFrom = "lifeline@localhost"
    public var smtpFromName = "Lifeline"
    public var smsURL: String?
    public var smsMethod = "POST"
    /// `form` or `json`.
    public var smsEncoding = "form"
    /// Field name → template with `{{to}}`, `{{text}}`, `{{from}}` (a JSON object).
    public var smsFields: [String: String] = ["to": "{{to}}", "text": "{{text}}"]
    /// Extra headers (a JSON object).
    public var smsHeaders: [String: String] = [:]
    public var smsUsername: String?
    public var smsPassword: String?
    public var smsToken: String?
    public var smsFrom = "Lifeline"
    public var smsTimeout = 10
    /// A PEM file of trusted CA certificates for an https gateway (default: the system's).
    public var smsCAFile: String?

    public init() {}

    static func load(_ r: KeyReader) throws -> DeliverySettings {
        var d = DeliverySettings()
        d.smtpHost = r.string(forKey: "delivery.smtp.host")
        if let p = r.string(forKey: "delivery.smtp.port") {
            guard let v = Int(p), (1...65535).contains(v) else { throw LifelineError(.configuration, "delivery.smtp.port must be a port number") }
            d.smtpPort = v
        }
        d.smtpSecurity = r.string(forKey: "delivery.smtp.security", default: d.smtpSecurity)
        guard ["starttls", "tls", "none"].contains(d.smtpSecurity) else { throw LifelineError(.configuration, "delivery.smtp.security must be starttls, tls or none") }
        d.smtpCAFile = r.string(forKey: "delivery.smtp.caFile")
        d.smtpUsername = r.string(forKey: "delivery.smtp.username")
        d.smtpPassword = r.string(forKey: "delivery.smtp.password", isSecret: true)
        d.smtpFrom = r.string(forKey: "delivery.smtp.from", default: d.smtpFrom)
        d.smtpFromName = r.string(forKey: "delivery.smtp.fromName", default: d.smtpFromName)
        d.smsURL = r.string(forKey: "delivery.sms.url")
        d.smsMethod = r.string(forKey: "delivery.sms.method", default: d.smsMethod).uppercased()
        guard ["POST", "GET", "PUT"].contains(d.smsMethod) else { throw LifelineError(.configuration, "delivery.sms.method must be POST, GET or PUT") }
        d.smsEncoding = r.string(forKey: "delivery.sms.encoding", default: d.smsEncoding)
        guard ["form", "json"].contains(d.smsEncoding) else { throw LifelineError(.configuration, "delivery.sms.encoding must be form or json") }
        if let f = r.string(forKey: "delivery.sms.fields") { d.smsFields = try jsonMap(f, "delivery.sms.fields") }
        if let h = r.string(forKey: "delivery.sms.headers") { d.smsHeaders = try jsonMap(h, "delivery.sms.headers") }
        d.smsUsername = r.string(forKey: "delivery.sms.username")
        d.smsPassword = r.string(forKey: "delivery.sms.password", isSecret: true)
        d.smsToken = r.string(forKey: "delivery.sms.token", isSecret: true)
        d.smsFrom = r.string(forKey: "delivery.sms.from", default: d.smsFrom)
        d.smsCAFile = r.string(forKey: "delivery.sms.caFile")
        if let t = r.string(forKey: "delivery.sms.timeout") {
            guard let v = Int(t), (1...120).contains(v) else { throw LifelineError(.configuration, "delivery.sms.timeout must be 1 to 120 seconds") }
            d.smsTimeout = v
        }
        return d
    }

    private static func jsonMap(_ text: String, _ key: String) throws -> [String: String] {
        guard let m = try? JSONDecoder().decode([String: String].self, from: Data(text.utf8)) else {
            throw LifelineError(.configuration, "\(key) must be a JSON object of strings, e.g. {\"to\":\"{{to}}\",\"text\":\"{{text}}\"}")
        }
        return m
    }
}
