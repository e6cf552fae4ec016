import Foundation
import HummingbirdTesting
import LifelineApp
import LifelineHTTP
import LifelineCore
import Logging
import Synchronization
import Testing

/// The counters of issue 15 ("Metrics and logs"): flows, throttles and pauses, reached through the core's
/// ``OperationsObserver`` port, and the warnings the composition root writes for them.
@Suite("Operational metrics and warnings")
struct OperationalMetricsTests {
    static func scrape(_ client: some TestClientProtocol) async throws -> String {
        String(buffer: try await client.send(.get, "/metrics").body)
    }

    @Test("flows started, verified and failed are counted")
    func flowsAreCounted() async throws {
        try await Fixture.with { fx in
            try await fx.seedRecovery()
            try await fx.app().test(.router) { client in
                let text0 = try await Self.scrape(client)
                #expect(metric(text0, #"lifeline_flows_total{event="started"}"#) == 0)
                _ = try await client.verifiedFlow(fx)
                var f = try await client.step(try await client.startFlow("alice"), ["flow": "sms-totp"])
                for _ in 0..<5 { f = try await client.step(f, ["contact": "0", "number": "+420111222333"]) }
                #expect(state(f) == "failed")
                let text = try await Self.scrape(client)
                #expect(metric(text, #"lifeline_flows_total{event="started"}"#) == 2)
                #expect(metric(text, #"lifeline_flows_total{event="verified"}"#) == 1)
                #expect(metric(text, #"lifeline_flows_total{event="failed"}"#) == 1)
            }
        }
    }

    @Test("a used-up guessing budget, refusals while paused, token throttles and lockouts are counted")
    func throttlesPausesAndLockoutsAreCounted() async throws {
        try await Fixture.with { fx in
            try await fx.seedRecovery()
            try await fx.app().test(.router) { client in
                for _ in 0..<5 {
                    let f = try await client.step(try await client.startFlow("alice"), ["flow": "sms-totp"])
                    _ = try await client.step(f, ["contact": "0", "number": "+420111222333"])
                }
                let refused = try await client.send(.post, "/api/v1/recovery/flows", json: ["tenant": "demo", "username": "alice"])
                #expect(refused.status == .tooManyRequests)
                // Wrong codes at the validation API until the token is throttled, then once more (refused unchecked).
                for _ in 0..<OTPPolicy().throttleAfter + 1 {
                    _ = try await client.validate(fx.wrongCode(), tenant: "demo", key: fx.validateKey)
                }
                let text = try await Self.scrape(client)
                #expect(metric(text, #"lifeline_throttles_total{kind="budget_exhausted"}"#) == 1)
                #expect(metric(text, #"lifeline_throttles_total{kind="recovery_paused"}"#) == 1)
                #expect(metric(text, #"lifeline_throttles_total{kind="token_throttled"}"#) == 1)
                #expect(metric(text, #"lifeline_throttles_total{kind="token_lockout"}"#) == 0)
            }
            try await fx.lockTokens("alice", tenant: "demo")
            try await fx.app().test(.router) { client in
                #expect(try await client.validate(fx.totp(), tenant: "demo", key: fx.validateKey) == "reject")
                let text = try await Self.scrape(client)
                #expect(metric(text, #"lifeline_throttles_total{kind="token_lockout"}"#) == 1)
                #expect((metric(text, #"lifeline_throttles_total{kind="token_locked"}"#) ?? 0) >= 1)
            }
        }
    }

    @Test("throttles, pauses and lockouts are logged as warnings with the tenant and an id, never a username; flows are not")
    func limitsAreLoggedAsWarnings() async throws {
        let lines = LogLines()
        let recorder = OperationsRecorder(metrics: HTTPMetrics(), logger: Logger(label: "test") { _ in CapturingLogHandler(lines) })
        let user = UUID()
        recorder.observe(.flow(.started, tenant: "demo"))
        recorder.observe(.limit(.budgetExhausted, tenant: "demo", subject: user.uuidString.lowercased(), until: startTime))
        recorder.observe(.limit(.tokenLockout, tenant: "demo", subject: "t-1", until: nil))
        recorder.observe(.limit(.addressRateLimit, tenant: nil, subject: "192.0.2.1", until: nil))
        let all = lines.all
        #expect(all.count == 2, "\(all.map(\.message))")
        #expect(all.allSatisfy { $0.level == .warning })
        #expect(all.first?.metadata["limit"] == "budget_exhausted")
        #expect(all.first?.metadata["tenant"] == "demo")
        #expect(all.first?.metadata["subject"] == .string(user.uuidString.lowercased()))
        #expect(all.first?.metadata["until"] != nil)
        #expect(all.last?.metadata["limit"] == "token_lockout")
    }

    @Test("the per-address limit of the recovery routes is counted")
    func addressLimitIsCounted() async throws {
        try await Fixture.with(configure: { $0.recoveryRequestsPerMinute = 1 }) { fx in
            try await fx.seedRecovery()
            try await fx.app().test(.router) { client in
                _ = try await client.send(.post, "/api/v1/recovery/flows", json: ["tenant": "demo", "username": "alice"])
                let refused = try await client.send(.post, "/api/v1/recovery/flows", json: ["tenant": "demo", "username": "alice"])
                #expect(refused.status == .tooManyRequests)
                #expect(metric(try await Self.scrape(client), #"lifeline_throttles_total{kind="address_rate_limit"}"#) == 1)
            }
        }
    }
}

/// Log records kept for a test to read.
final class LogLines: Sendable {
    let records = Mutex<[(level: Logger.Level, message: String, metadata: Logger.Metadata)]>([])
    var all: [(level: Logger.Level, message: String, metadata: Logger.Metadata)] { records.withLock { $0 } }
}

/// A log handler that keeps every record in a ``LogLines``.
struct CapturingLogHandler: LogHandler {
    let lines: LogLines
    var metadata: Logger.Metadata = [:]
    var logLevel: Logger.Level = .trace
    init(_ lines: LogLines) { self.lines = lines }
    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }
    func log(event: LogEvent) {
        let merged = metadata.merging(event.metadata ?? [:]) { $1 }
        lines.records.withLock { $0.append((event.level, "\(event.message)", merged)) }
    }
}
