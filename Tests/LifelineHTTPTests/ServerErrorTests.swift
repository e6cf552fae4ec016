import Foundation
import Hummingbird
import HummingbirdTesting
@testable import LifelineHTTP
import LifelineCore
import Logging
import Synchronization
import Testing

/// Issue 13 item 10: a 5xx answer carries a generic message and a request id, never internal text (key ids,
/// paths, SQL), and the log line names the same request id so an operator can find the cause.
@Suite("Server errors")
struct ServerErrorTests {
    static let internals = "key id k-2026 in /var/lib/lifeline/keys.json: SELECT * FROM api_keys"

    /// A router with the API's error middleware and routes that fail the ways the core can.
    static func router(_ log: LogCapture) -> Router<AppRequestContext> {
        let router = Router(context: AppRequestContext.self)
        router.middlewares.add(ErrorMiddleware(methods: MethodTable()))
        router.get("/internal") { _, _ -> String in throw LifelineError(.internalError, internals) }
        router.get("/configuration") { _, _ -> String in throw LifelineError(.configuration, internals) }
        router.get("/integrity") { _, _ -> String in throw LifelineError(.integrity, internals) }
        router.get("/unavailable") { _, _ -> String in throw LifelineError(.unavailable, internals) }
        router.get("/foreign") { _, _ -> String in throw CocoaError(.fileReadNoPermission, userInfo: [NSFilePathErrorKey: internals]) }
        router.get("/client") { _, _ -> String in throw LifelineError(.invalidRequest, "digits must be 6 to 8") }
        return router
    }

    @Test("Every 5xx has a generic message and a request id that the log line names; a 4xx keeps its message")
    func genericFiveHundreds() async throws {
        let log = LogCapture()
        let app = Application(router: Self.router(log), logger: Logger(label: "t", factory: { _ in log.handler() }))
        try await app.test(.router) { client in
            for path in ["/internal", "/configuration", "/integrity", "/unavailable", "/foreign"] {
                let r = try await client.execute(uri: path, method: .get)
                #expect(r.status.code >= 500, "\(path)")
                let body = String(buffer: r.body)
                #expect(!body.contains("keys.json") && !body.contains("SELECT") && !body.contains("k-2026"), "\(path): \(body)")
                let json = try #require(try JSONSerialization.jsonObject(with: Data(body.utf8)) as? [String: Any])
                let id = try #require(json["request_id"] as? String, "\(path): \(body)")
                #expect(!id.isEmpty)
                #expect(["internal", "unavailable"].contains(json["error"] as? String), "\(path): \(body)")
                #expect(log.lines.contains { $0.contains(id) }, "the log line names request id \(id)")
            }
            let client4xx = try await client.execute(uri: "/client", method: .get)
            #expect(client4xx.status == .badRequest && String(buffer: client4xx.body).contains("digits must be 6 to 8"))
            #expect(!log.lines.joined().contains("keys.json"), "internal text is not logged either")
        }
    }
}

/// Collects log lines (message and metadata) in memory.
final class LogCapture: Sendable {
    private let storage = Mutex<[String]>([])
    var lines: [String] { storage.withLock { $0 } }
    func append(_ line: String) { storage.withLock { $0.append(line) } }
    func handler() -> LogCaptureHandler { LogCaptureHandler(capture: self) }
}

struct LogCaptureHandler: LogHandler {
    let capture: LogCapture
    var metadata: Logger.Metadata = [:]
    var logLevel: Logger.Level = .trace
    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }
    func log(level: Logger.Level, message: Logger.Message, metadata extra: Logger.Metadata?, source: String, file: String, function: String, line: UInt) {
        let all = metadata.merging(extra ?? [:]) { _, new in new }
        capture.append("\(level) \(message) \(all.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " "))")
    }
}

@Suite("Log redaction")
struct LogRedactionTests {
    @Test("Flow ids and other long identifiers never reach a logged path")
    func pathsLoseIdentifiers() {
        let id = "0b3c6a52-3f1e-4c1b-9a49-7d3b2f0e9c11"
        #expect(LogRedaction.path("/api/v1/recovery/flows/\(id)") == "/api/v1/recovery/flows/:id")
        #expect(LogRedaction.path("/api/v1/recovery/flows/\(id)/actions/reset-password") == "/api/v1/recovery/flows/:id/actions/reset-password")
        #expect(LogRedaction.path("/api/v1/admin/tenants/demo/users/alice") == "/api/v1/admin/tenants/demo/users/alice")
        #expect(!LogRedaction.path("/x/\(id.uppercased())").contains(id.uppercased()))
    }
}
