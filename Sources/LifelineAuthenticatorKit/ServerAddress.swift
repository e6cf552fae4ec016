import Foundation

/// The server base URL an activation URI names, checked.
///
/// Why https only: the activation request carries the app's `pinKey` and its answer the organization's `orgKey` (the
/// keys of the offline and unblock codes), and every request carries a PIN verifier that, with `pinKey`, a 10⁴ search
/// turns back into the PIN. Plain `http://` is allowed for 127.0.0.1, ::1 and localhost only, where the traffic never
/// leaves the machine (tests, demos, a TLS proxy on the same host).
public enum ServerAddress {
    /// The base URL when `text` is an absolute `https://` URL, or `http://` to a loopback host; without query or
    /// fragment; a trailing `/` removed.
    public static func checked(_ text: String) throws -> URL {
        guard let c = URLComponents(string: text), let scheme = c.scheme?.lowercased(), let host = c.host, !host.isEmpty,
              c.query == nil, c.fragment == nil, c.user == nil, c.password == nil else {
            throw AuthenticatorClientError.insecureServer(text)
        }
        let loopback = ["127.0.0.1", "localhost", "::1", "[::1]"].contains(host.lowercased())
        guard scheme == "https" || (scheme == "http" && loopback) else { throw AuthenticatorClientError.insecureServer(text) }
        var base = text
        while base.hasSuffix("/") { base.removeLast() }
        guard let url = URL(string: base) else { throw AuthenticatorClientError.insecureServer(text) }
        return url
    }
}
