import Foundation

/// One HTTP request of the app API.
public struct TransportRequest: Sendable, Equatable {
    /// The full URL (server base URL + `/api/v1/authenticator/...`).
    public var url: URL
    /// `POST` for every request of the app API.
    public var method: String
    /// Header names as sent (`Content-Type`, `Lifeline-Signature`).
    public var headers: [String: String]
    /// The JSON body (exactly the bytes the signature covers).
    public var body: Data

    /// A request.
    public init(url: URL, method: String = "POST", headers: [String: String] = [:], body: Data) {
        self.url = url; self.method = method; self.headers = headers; self.body = body
    }
}

/// The answer to an ``TransportRequest``.
public struct TransportResponse: Sendable, Equatable {
    /// The HTTP status.
    public var status: Int
    /// Header names lowercased.
    public var headers: [String: String]
    /// The body as received.
    public var body: Data

    /// An answer (header names are lowercased).
    public init(status: Int, headers: [String: String] = [:], body: Data) {
        self.status = status; self.body = body
        self.headers = Dictionary(headers.map { ($0.key.lowercased(), $0.value) }, uniquingKeysWith: { a, _ in a })
    }
}

/// How the client reaches the server: ``URLSessionTransport`` in apps, an in-process fake in tests.
///
/// Contract: returns the server's answer whatever its status (4xx and 5xx too); throws only when no answer came
/// (connection refused, timeout, TLS failure).
public protocol HTTPTransport: Sendable {
    /// Sends `request` and returns the answer.
    func send(_ request: TransportRequest) async throws -> TransportResponse
}
