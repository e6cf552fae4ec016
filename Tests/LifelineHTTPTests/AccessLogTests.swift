import Foundation
import HummingbirdTesting
import LifelineApp
import LifelineCore
import Logging
import Testing

/// The access log (issue 15, "Metrics and logs"): one line per request, without secrets, on by default with JSON logs.
@Suite("Access log")
struct AccessLogTests {
    @Test("each request is logged with method, path without query or secrets, status, time and client address")
    func requestsAreLoggedWithoutSecrets() async throws {
        let lines = LogLines()
        try await Fixture.with(configure: { $0.logAccess = true }) { fx in
            try await fx.seedRecovery()
            let app = buildApplication(runtime: fx.runtime, logger: Logger(label: "test") { _ in CapturingLogHandler(lines) })
            try await app.test(.router) { client in
                _ = try await client.send(.get, "/recover?tenant=demo&challenge=S3CRETCHALLENGE")
                let flow = try await client.startFlow("alice")
                _ = try await client.send(.get, "/api/v1/recovery/flows/\(try #require(flow["id"] as? String))")
                _ = try await client.send(.get, "/api/v1/admin/tenants/demo/users/alice", key: fx.adminKey)
                _ = try await client.send(.get, "/console/enrol/shorttoken")
                _ = try await client.send(.get, "/console/users/demo/alice/edit")
            }
        }
        let requests = lines.all.filter { $0.message == "request" }
        let paths = requests.compactMap { $0.metadata["path"].map { "\($0)" } }
        #expect(paths == ["/recover", "/api/v1/recovery/flows", "/api/v1/recovery/flows/:id", "/api/v1/admin/tenants/demo/users/:user",
                          "/console/enrol/:token", "/console/users/demo/:user/edit"])
        let first = try #require(requests.first)
        #expect(first.metadata["method"] == "GET")
        #expect(first.metadata["status"] == "200")
        #expect(first.metadata["duration_ms"] != nil)
        #expect(first.metadata["client"] != nil)
        #expect(requests[1].metadata["status"] == "201")
        #expect(requests[4].metadata["status"] == "404")
        let everything = lines.all.map { "\($0.message) \($0.metadata)" }.joined(separator: "\n")
        #expect(!everything.contains("S3CRETCHALLENGE"))
        #expect(!everything.contains("shorttoken"))
        #expect(!everything.contains("alice"))
    }

    @Test("off unless configured: text logs do not get a line per request")
    func offByDefaultInText() async throws {
        let lines = LogLines()
        try await Fixture.with { fx in
            let app = buildApplication(runtime: fx.runtime, logger: Logger(label: "test") { _ in CapturingLogHandler(lines) })
            try await app.test(.router) { client in _ = try await client.send(.get, "/health") }
        }
        #expect(!lines.all.contains { $0.message == "request" })
    }

    @Test("log.access defaults to on with log.format json, off with text; true/false set it; anything else is refused")
    func configurationKey() async throws {
        #expect(try await UnknownConfigKeyTests.load("log:\n  format: json\n").logAccess == true)
        #expect(try await UnknownConfigKeyTests.load("log:\n  format: text\n").logAccess == false)
        #expect(try await UnknownConfigKeyTests.load("log:\n  format: json\n  access: false\n").logAccess == false)
        #expect(try await UnknownConfigKeyTests.load("log:\n  access: true\n").logAccess == true)
        await #expect(throws: LifelineError.self) { try await UnknownConfigKeyTests.load("log:\n  access: maybe\n") }
    }
}
