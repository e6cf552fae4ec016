import Foundation

/// Why an ``AgentClient`` call did not succeed.
public enum AgentClientError: Error, Sendable, Equatable, CustomStringConvertible {
    /// No server URL was given for an online command.
    case noServer
    /// No agent key was given for an online command.
    case noKey
    /// The server URL is not `https://` (plain `http://` is allowed for 127.0.0.1, ::1 and localhost only).
    case insecureServer(String)
    /// No offline data is held for this user.
    case noData(String)
    /// The bare username is held at several tenants: name it `tenant/user`.
    case ambiguousUser(String)
    /// The server answered 401: the agent's key is unknown or revoked (the data it downloaded was wiped).
    case agentRevoked
    /// The server answered another HTTP error: status, its `error` code and `message`.
    case server(status: Int, code: String, message: String)
    /// No answer from the server (connection, timeout, TLS).
    case transport(String)
    /// The server's answer was not what the protocol says.
    case badResponse(String)
    /// The state could not be read or written safely.
    case stateFile(String)

    /// A message for the user; it never contains a passcode, key or refill token.
    public var description: String {
        switch self {
        case .noServer: return "no server: give --server URL"
        case .noKey: return "no agent key: give --key KEY or set LIFELINE_AGENT_KEY"
        case .insecureServer(let s): return "refused server \(s): it must be https:// (http:// only for 127.0.0.1 or localhost)"
        case .noData(let u): return "no offline data for \(u): authenticate online first"
        case .ambiguousUser(let u): return "offline data for \(u) is held at several organizations: name it TENANT/\(u)"
        case .agentRevoked: return "agent_revoked: the server does not know this agent's key (revoked?); the offline data it downloaded was wiped"
        case .server(let status, let code, let message): return "the server refused (\(status) \(code)): \(message)"
        case .transport(let m): return "cannot reach the server: \(m)"
        case .badResponse(let m): return "unexpected answer from the server: \(m)"
        case .stateFile(let m): return "state file: \(m)"
        }
    }
}
