import Hummingbird
import NIOCore

extension Request {
    /// The request body, at most `limit` bytes: every route reads its body through this.
    ///
    /// A body over the limit throws `NIOTooManyBytesError` (a 413, ``APIError/from(_:)``). Any other failure means the
    /// body could not be read from this connection: the client sent malformed HTTP, closed the connection mid-body,
    /// or was closed by the read deadline (`server.timeouts.requestRead`). Why a 400 and no log line: that is the
    /// client's doing, and the former 500 with an error line for each such connection let any client flood the log
    /// (issue 13 item 4: 200 stalled bodies gave 200 `request failed` error lines).
    mutating func readBody(upTo limit: Int) async throws -> ByteBuffer {
        do {
            return try await collectBody(upTo: limit)
        } catch let error as NIOTooManyBytesError {
            throw error
        } catch {
            throw APIError(.badRequest, "invalid_request", "the request body could not be read")
        }
    }
}
