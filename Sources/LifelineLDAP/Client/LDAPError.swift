/// A failure below the LDAP result level: the connection, TLS, framing or the server's encoding.
/// (A server's refusal arrives as an ``LDAPResult`` instead.)
enum LDAPError: Error, Sendable, CustomStringConvertible, Equatable {
    /// The request was not written to the server (the connection was already closed, or the write failed):
    /// the server cannot have acted on it, so repeating it elsewhere is safe.
    case notSent(String)
    /// The connection closed after the request was sent and before its response arrived.
    case connectionClosed(String)
    /// No response within the operation timeout (the connection is closed, since its state is unknown).
    case timeout
    /// Connecting failed (refused, unreachable, name not resolved, connect timeout).
    case connectFailed(String)
    /// TLS failed: handshake, certificate verification, host name mismatch, or the CA file.
    case tls(String)
    /// The server sent something that is not LDAPv3, or not the answer to our request.
    case protocolError(String)
    /// The settings cannot work (bad URL, a password that would travel in clear text).
    case configuration(String)

    var description: String {
        switch self {
        case .notSent(let s): "request not sent: \(s)"
        case .connectionClosed(let s): "connection closed before the response: \(s)"
        case .timeout: "no response within the timeout"
        case .connectFailed(let s): "cannot connect: \(s)"
        case .tls(let s): "TLS failed: \(s)"
        case .protocolError(let s): "protocol error: \(s)"
        case .configuration(let s): "configuration: \(s)"
        }
    }
}
