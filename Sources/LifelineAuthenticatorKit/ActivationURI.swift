import Foundation

/// The activation URI the console, the admin API and `lifeline device activation` issue, and the app reads (from a QR
/// code or as text): `lifeline://activate?v=1&server=URL&tenant=T&user=U&code=CODE`.
///
/// `code` is 26 base32 letters (128 bits from the server's CSPRNG), single use and valid 10 minutes (NIST SP 800-63B-4
/// §4.1.2.2: at least 112 bits since no identifier is typed with it). `server` is the base URL the app talks to.
public struct ActivationURI: Sendable, Equatable {
    public var server: String
    public var tenant: String
    public var username: String
    public var code: String

    public init(server: String, tenant: String, username: String, code: String) {
        self.server = server; self.tenant = tenant; self.username = username; self.code = code
    }

    /// The URI text.
    public var text: String {
        var c = URLComponents()
        c.scheme = "lifeline"; c.host = "activate"
        c.queryItems = [URLQueryItem(name: "v", value: "1"), URLQueryItem(name: "server", value: server),
                        URLQueryItem(name: "tenant", value: tenant), URLQueryItem(name: "user", value: username),
                        URLQueryItem(name: "code", value: code)]
        // URLComponents leaves ":" "/" "&"-free values as they are; "+" and "&" in a value must not read as separators.
        c.percentEncodedQueryItems = c.queryItems?.map {
            URLQueryItem(name: $0.name, value: $0.value?.addingPercentEncoding(withAllowedCharacters: Self.allowed))
        }
        return c.string ?? ""
    }

    /// Parses an activation URI; nil when it is not one (wrong scheme or host, a missing or empty part, version ≠ 1).
    public init?(_ text: String) {
        guard let c = URLComponents(string: text.trimmingCharacters(in: .whitespacesAndNewlines)),
              c.scheme?.lowercased() == "lifeline", c.host?.lowercased() == "activate", let items = c.queryItems else { return nil }
        func value(_ name: String) -> String? {
            guard let v = items.first(where: { $0.name == name })?.value, !v.isEmpty else { return nil }
            return v
        }
        guard value("v") == "1", let server = value("server"), let tenant = value("tenant"), let user = value("user"),
              let code = value("code") else { return nil }
        self.init(server: server, tenant: tenant, username: user, code: code)
    }

    private static let allowed: CharacterSet = {
        var s = CharacterSet.alphanumerics
        s.insert(charactersIn: "-._~:/@")
        return s
    }()
}
