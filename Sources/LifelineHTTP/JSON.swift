import Foundation
import Hummingbird
import HTTPTypes
import LifelineCore
import LifelineJSON
import NIOCore

/// JSON in and out, with the API's conventions: snake_case keys, RFC 3339 dates, a 64 KiB body limit.
public enum JSON {
    /// Why 64 KiB: no API request needs more; a limit stops memory exhaustion by huge bodies.
    public static let maxBodySize = 64 * 1024

    /// The same text as `JSONEncoder` with `.convertToSnakeCase`, `.iso8601`, `[.sortedKeys, .withoutEscapingSlashes]`,
    /// several times faster (``FastJSONEncoder``).
    static let encoder = FastJSONEncoder(snakeCaseKeys: true, sortedKeys: true, escapeSlashes: false, dates: .iso8601)

    static let decoder: JSONDecoder = {
        let d = JSONDecoder()
        d.keyDecodingStrategy = .convertFromSnakeCase
        return d
    }()

    /// Decodes the request body as `T`; malformed JSON or wrong types are `invalid_json`, a body over the limit
    /// `payload_too_large`, a missing required field `invalid_request`.
    public static func decode<T: Decodable>(_ type: T.Type, from request: Request) async throws -> T {
        var request = request
        return try decode(T.self, from: try await request.readBody(upTo: maxBodySize))
    }

    /// ``decode(_:from:)`` with a fast path for the commonest body of the hottest requests, a flat object of plain
    /// strings (``FlatJSONObject``); any other body, or one that lacks a field, goes through `JSONDecoder` as before, so
    /// the answer to every input is the same.
    static func decodeFlat<T: FlatJSONDecodable>(_ type: T.Type, from request: Request) async throws -> T {
        var request = request
        let buffer = try await request.readBody(upTo: maxBodySize)
        if let fields = buffer.withUnsafeReadableBytes({ FlatJSONObject.parse($0) }), let value = T(flatJSON: fields) { return value }
        return try decode(T.self, from: buffer)
    }

    /// A decoder without key conversion, for types whose `CodingKeys` already spell the snake_case keys (the Kit's wire
    /// types, e.g. ``OfflineWire``): `.convertFromSnakeCase` would turn `refill_token` into `refillToken` and miss them.
    static let exactDecoder = JSONDecoder()

    /// ``decode(_:from:)`` with ``exactDecoder`` (the same limit and the same 400s).
    static func decodeExact<T: Decodable>(_ type: T.Type, from request: Request) async throws -> T {
        var request = request
        return try decode(T.self, from: try await request.readBody(upTo: maxBodySize), decoder: exactDecoder)
    }

    static func decode<T: Decodable>(_ type: T.Type, from buffer: ByteBuffer, decoder: JSONDecoder = JSON.decoder) throws -> T {
        do {
            return try decoder.decode(T.self, from: Data(buffer: buffer))
        } catch DecodingError.keyNotFound(let key, _) {
            throw APIError(.badRequest, "invalid_request", "the field '\(key.stringValue.snakeCased)' is required")
        } catch DecodingError.valueNotFound(_, let ctx) {
            throw APIError(.badRequest, "invalid_request", "the field '\(ctx.codingPath.last?.stringValue.snakeCased ?? "?")' must not be null")
        } catch DecodingError.dataCorrupted(let ctx) where !ctx.codingPath.isEmpty {
            throw APIError(.badRequest, "invalid_request", "the field '\(ctx.codingPath.last!.stringValue.snakeCased)' has an invalid value")
        } catch {
            throw APIError(.badRequest, "invalid_json", "the request body is not valid JSON of the expected shape")
        }
    }

    /// A JSON response with `status`.
    public static func response(_ value: some Encodable, status: HTTPResponse.Status = .ok) throws -> Response {
        let bytes = try encoder.encode(value)
        return Response(status: status, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(bytes: bytes)))
    }
}

/// A request body that can be read from a flat object of strings (``JSON/decodeFlat(_:from:)``), keyed as in the JSON
/// (snake_case); nil when a field is missing, so that `JSONDecoder` gives the usual error.
protocol FlatJSONDecodable: Decodable {
    init?(flatJSON fields: [String: String])
}

/// A flow submission is exactly such an object (its keys are data: `JSONDecoder` converts no dictionary keys either).
extension Dictionary: FlatJSONDecodable where Key == String, Value == String {
    init?(flatJSON fields: [String: String]) { self = fields }
}

extension String {
    /// `displayName` → `display_name`, for error messages naming fields as the client wrote them.
    var snakeCased: String {
        var out = ""
        for ch in self {
            if ch.isUppercase { out += "_" + ch.lowercased() } else { out.append(ch) }
        }
        return out
    }
}
