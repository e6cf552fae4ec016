import Foundation
import Hummingbird
import HTTPTypes
import LifelineCore
import NIOCore

/// The one place where errors become HTTP statuses and JSON bodies `{"error": code, "message": text}`.
/// The core never knows about HTTP.
public struct APIError: Error, Sendable {
    public var status: HTTPResponse.Status
    public var code: String
    public var message: String
    /// Seconds for a `Retry-After` header (429).
    public var retryAfter: Int?
    /// Translated specifics (`problems` in the body), e.g. each password rule broken.
    public var details: [FlowText] = []

    public init(_ status: HTTPResponse.Status, _ code: String, _ message: String, retryAfter: Int? = nil, details: [FlowText] = []) {
        self.status = status; self.code = code; self.message = message; self.retryAfter = retryAfter; self.details = details
    }

    /// Maps any error to what the client may see. Unknown errors become a 500 with a generic message: their
    /// text may hold internals (SQL, paths), which a client must never see.
    public static func from(_ error: any Error) -> APIError {
        switch error {
        case let e as APIError:
            return e
        case let e as LifelineError:
            let status = status(for: e.code)
            // Why generic: a server-side failure's text holds internals (key ids, paths, SQL, a directory's host)
            // that no client may see; the operator finds the cause by the request id in the log.
            if status.code >= 500 {
                // A 503's Retry-After (a busy pool) is no internal detail; it tells the client when to come back.
                var answer = generic(status)
                answer.retryAfter = e.retryAfter
                return answer
            }
            return APIError(status, e.code.description, e.message, retryAfter: e.retryAfter, details: e.details)
        case let e as HTTPError:
            switch e.status {
            case .notFound: return APIError(.notFound, "not_found", "no such resource")
            case .contentTooLarge: return APIError(.contentTooLarge, "payload_too_large", "the request body is larger than 64 KiB")
            case .methodNotAllowed: return APIError(.methodNotAllowed, "method_not_allowed", "method not allowed")
            case .badRequest: return APIError(.badRequest, "invalid_request", e.body ?? "bad request")
            default:
                return e.status.code < 500 ? APIError(e.status, "invalid_request", e.status.reasonPhrase) : generic(e.status)
            }
        case is NIOTooManyBytesError:
            // What `Request.collectBody(upTo:)` throws for a body over the limit (not an HTTPError).
            return APIError(.contentTooLarge, "payload_too_large", "the request body is larger than 64 KiB")
        case is DecodingError:
            return APIError(.badRequest, "invalid_json", "the request body is not valid JSON of the expected shape")
        default:
            return APIError(.internalServerError, "internal", "internal error")
        }
    }

    /// The only body a 5xx has: `unavailable` for 503 (try again later), `internal` otherwise.
    static func generic(_ status: HTTPResponse.Status) -> APIError {
        status == .serviceUnavailable
            ? APIError(.serviceUnavailable, "unavailable", "a service this request needs is unavailable; try again later")
            : APIError(status, "internal", "internal error")
    }

    static func status(for code: LifelineError.Code) -> HTTPResponse.Status {
        switch code {
        case .invalidRequest: return .badRequest
        case .notFound: return .notFound
        case .conflict: return .conflict
        case .unauthorized: return .unauthorized
        case .forbidden: return .forbidden
        case .resyncFailed: return .unprocessableContent
        case .unavailable: return .serviceUnavailable
        case .rateLimited: return .tooManyRequests
        case .expired: return .gone
        case .actionUnavailable: return .conflict
        default: return .internalServerError
        }
    }

    struct Body: Encodable { var error: String; var message: String; var problems: [FlowText]?; var requestId: String? }

    /// The JSON response for this error; `requestID` (5xx answers carry it) names the log line of the failure.
    public func response(requestID: String? = nil) -> Response {
        let body = (try? JSON.encoder.encode(Body(error: code, message: message, problems: details.isEmpty ? nil : details,
                                                  requestId: requestID))) ?? []
        var headers = HTTPFields()
        headers[.contentType] = "application/json"
        if status == .unauthorized { headers[.wwwAuthenticate] = "Bearer" }
        if let retryAfter { headers[.retryAfter] = String(retryAfter) }
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: body)))
    }
}
