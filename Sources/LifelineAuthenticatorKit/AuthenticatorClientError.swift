import Foundation

/// Why an ``AuthenticatorClient`` call did not succeed.
public enum AuthenticatorClientError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The text is not a `lifeline://activate?...` URI.
    case badURI
    /// The URI's server is not `https://` (plain `http://` is allowed for 127.0.0.1, ::1 and localhost only).
    case insecureServer(String)
    /// The PIN is not 4–8 digits.
    case illFormedPIN
    /// The new PIN is one everyone tries first (``AuthenticatorPIN/weakPINs(length:)``); refused before any request.
    case weakPIN
    /// The UBC is not 8 digits.
    case illFormedUBC
    /// The app has not been activated yet.
    case notActivated
    /// No organization of that name (tenant name or id) in the app.
    case unknownOrganization(String)
    /// The app is registered with another server; one state file serves one server.
    case otherServer(String)
    /// The server refused: its answer (``AuthenticatorWire/Answer/result`` is not `ok`).
    case refused(AuthenticatorWire.Answer)
    /// The server answered an HTTP error: status, its `error` code and `message`.
    case server(status: Int, code: String, message: String)
    /// No answer from the server (connection, timeout, TLS).
    case transport(String)
    /// The server's answer was not what the protocol says.
    case badResponse(String)
    /// The state could not be read or written safely.
    case stateFile(String)

    /// A message for the user; it never contains a PIN, UBC or key.
    public var description: String {
        switch self {
        case .badURI: return "not an activation URI (lifeline://activate?v=1&server=...&tenant=...&user=...&code=...)"
        case .insecureServer(let s): return "refused server \(s): it must be https:// (http:// only for 127.0.0.1 or localhost)"
        case .illFormedPIN: return "the PIN must be 4 to 8 digits"
        case .weakPIN: return "weak_pin: that PIN is too easy to guess (like 0000 or 1234); choose another"
        case .illFormedUBC: return "the unblocking code (UBC) must be 8 digits"
        case .notActivated: return "this app is not activated yet: run 'lifeline-authenticator activate URI'"
        case .unknownOrganization(let o): return "no organization '\(o)' in this app (see 'lifeline-authenticator organizations')"
        case .otherServer(let s): return "this app is registered with \(s); use another --state file for another server"
        case .refused(let a): return Self.describe(a)
        case .server(let status, let code, let message): return "the server refused (\(status) \(code)): \(message)"
        case .transport(let m): return "cannot reach the server: \(m)"
        case .badResponse(let m): return "unexpected answer from the server: \(m)"
        case .stateFile(let m): return "state file: \(m)"
        }
    }

    /// A sentence for a refusal answer.
    public static func describe(_ answer: AuthenticatorWire.Answer) -> String {
        let left = answer.attemptsLeft.map { " (\($0) attempt\($0 == 1 ? "" : "s") left)" } ?? ""
        switch answer.result {
        case .ok: return "ok"
        case .wrongPIN: return "wrong_pin: wrong PIN\(left); three wrong PINs block it"
        case .pinBlocked: return "pin_blocked: the PIN is blocked; ask your organization for an unblocking code (UBC)"
        case .organizationBlocked: return "organization_blocked: this organization is blocked; ask it for an unblocking code (UBC)"
        case .wrongUBC: return "wrong_ubc: wrong unblocking code\(left); three wrong entries block it"
        case .ubcBlocked: return "ubc_blocked: the unblocking code is blocked after three wrong entries; ask for a new one"
        case .noUBC: return "no_ubc: there is no valid unblocking code (expired, used, or none displayed); ask for a new one"
        case .weakPIN: return "weak_pin: the new PIN is refused (wrong length for this organization, or too easy to guess)"
        case .noPINReset: return "no_pin_reset: no operator holds a PIN reset open for you; call your helpdesk"
        case .deactivated: return "deactivated: this app was replaced by a newer one at this organization"
        }
    }
}
