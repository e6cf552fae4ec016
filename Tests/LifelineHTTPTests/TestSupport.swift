import Foundation
import Hummingbird
import HummingbirdTesting
import HTTPTypes
import LifelineApp
import LifelineCore
import Logging
import NIOCore
import Synchronization
import Testing

/// A settable clock, so TOTP codes are deterministic. Copies share one instant.
struct TestClock: LifelineClock {
    private final class Box: Sendable { let date: Mutex<Date>; init(_ d: Date) { date = Mutex(d) } }
    private let box: Box

    init(_ date: Date) { box = Box(date) }
    func now() -> Date { box.date.withLock { $0 } }
    func set(_ date: Date) { box.date.withLock { $0 = date } }
    func advance(seconds: TimeInterval) { box.date.withLock { $0 = $0.addingTimeInterval(seconds) } }
}

/// A fixed 20-byte secret (RFC 4226 test secret), imported on enrollment.
let testSecret: [UInt8] = Array("12345678901234567890".utf8)
let testSecretBase32 = Base32.encode(testSecret)

/// Unix time 1_800_000_010: 10 s into TOTP step 60_000_000.
let startTime = Date(timeIntervalSince1970: 1_800_000_010)

/// One isolated Lifeline: a temporary data folder, SQLite, a test clock and two global API keys.
struct Fixture: Sendable {
    let runtime: LifelineRuntime
    let clock: TestClock
    let dir: URL
    let adminKey: String
    let validateKey: String
    let logger: Logger

    var caller: Caller { .cli }

    /// Runs `body` with a fresh fixture and always tears it down; `configure` may change the server configuration.
    static func with<T: Sendable>(configure: (inout LifelineConfiguration) -> Void = { _ in }, _ body: (Fixture) async throws -> T) async throws -> T {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("lifeline-http-\(UUID().uuidString)")
        var config = LifelineConfiguration()
        config.dataDir = dir.path
        config.port = 0
        // Router tests come from one (empty) address; the limiter has its own test.
        config.recoveryRequestsPerMinute = 100_000
        config.questionLimits.perAddressPerMinute = 600
        // Every suite runs at once and seeds answers: a full slow-hash queue would refuse a questions step at random.
        config.slowHashQueue = 100_000
        configure(&config)
        var logger = Logger(label: "test")
        logger.logLevel = .warning
        let clock = TestClock(startTime)
        do {
            let result = try await LifelineRuntime.withRuntime(config, logger: logger, clock: clock) { runtime in
                let (_, adminKey) = try await runtime.admin.createAPIKey(role: .admin, tenantName: nil, name: "test admin", caller: .cli)
                let (_, validateKey) = try await runtime.admin.createAPIKey(role: .validate, tenantName: nil, name: "test validate", caller: .cli)
                return try await body(Fixture(runtime: runtime, clock: clock, dir: dir, adminKey: adminKey, validateKey: validateKey, logger: logger))
            }
            try? FileManager.default.removeItem(at: dir)
            return result
        } catch {
            try? FileManager.default.removeItem(at: dir)
            throw error
        }
    }

    /// The application under test (its metrics are the runtime's, which the core's events count into).
    func app() -> some ApplicationProtocol { buildApplication(runtime: runtime, logger: logger) }

    // MARK: seeding through the core (the HTTP admin API has its own tests)

    @discardableResult
    func tenant(_ name: String = "acme") async throws -> Tenant {
        try await runtime.admin.createTenant(name: name, displayName: name.uppercased(), caller: caller)
    }

    @discardableResult
    func user(_ username: String = "alice", tenant: String = "acme") async throws -> User {
        try await runtime.admin.createUser(tenantName: tenant, .init(username: username), caller: caller)
    }

    /// Enrolls a token with `testSecret`; returns its id.
    @discardableResult
    func token(_ type: TokenType = .totp, username: String = "alice", tenant: String = "acme") async throws -> UUID {
        var req = EnrollmentRequest(type: type)
        req.secretBase32 = testSecretBase32
        return try await runtime.admin.enrollToken(tenantName: tenant, username: username, req, caller: caller).token.id
    }

    /// Tenant "acme", user "alice" with a TOTP token; returns the token id.
    @discardableResult
    func seedAlice() async throws -> UUID {
        try await tenant()
        try await user()
        return try await token()
    }

    func key(_ role: Role, tenant: String?) async throws -> String {
        // Why through registerAgent: a key of role agent exists only with its agent record (the core refuses a plain one);
        // an agent always belongs to one tenant.
        if role == .agent {
            return try await runtime.offline.registerAgent(tenantName: tenant ?? "acme", name: "k-\(UUID().uuidString.prefix(8))", caller: caller).key
        }
        return try await runtime.admin.createAPIKey(role: role, tenantName: tenant, name: "k", caller: caller).1
    }

    // MARK: codes

    /// The current TOTP step of the test clock (30 s period).
    var step: Int64 { HOTP.timeStep(unixTime: Int64(clock.now().timeIntervalSince1970), period: 30) }

    /// The TOTP code `offset` steps from now.
    func totp(_ offset: Int64 = 0, secret: [UInt8] = testSecret) -> String {
        HOTP.code(secret: secret, counter: UInt64(step + offset), digits: 6, algorithm: .sha1)
    }

    func hotp(_ counter: UInt64, secret: [UInt8] = testSecret) -> String {
        HOTP.code(secret: secret, counter: counter, digits: 6, algorithm: .sha1)
    }

    /// Locks the user's tokens the only way wrong codes can: `otp.maxFail` (100) consecutive misses, each after the
    /// throttle of the one before has passed (the clock moves 100 hours).
    func lockTokens(_ username: String = "alice", tenant: String = "acme") async throws {
        for _ in 0..<OTPPolicy().maxFail {
            clock.advance(seconds: 3_601)
            _ = try await runtime.validation.validate(tenantName: tenant, username: username, code: wrongCode(), caller: Caller(actor: "t", scope: .validate))
        }
    }

    /// A 6-digit code that matches no step within ±20 of now (so it is plainly wrong, not "resync needed").
    func wrongCode() -> String {
        let near = Set((-20...20).map { totp(Int64($0)) })
        var n = 0
        while near.contains(String(format: "%06d", n)) { n += 1 }
        return String(format: "%06d", n)
    }
}

// MARK: requests

extension TestClientProtocol {
    /// Sends a request with an optional bearer key and body; every response is checked to be no 5xx.
    @discardableResult
    func send(_ method: HTTPRequest.Method, _ uri: String, key: String? = nil, body: String? = nil,
              sourceLocation: SourceLocation = #_sourceLocation) async throws -> TestResponse {
        var headers: HTTPFields = [:]
        if let key { headers[.authorization] = "Bearer \(key)" }
        if body != nil { headers[.contentType] = "application/json" }
        return try await execute(uri: uri, method: method, headers: headers, body: body.map { ByteBuffer(string: $0) }) { response in
            #expect(response.status.code < 500, "5xx for \(method) \(uri): \(String(buffer: response.body))", sourceLocation: sourceLocation)
            return response
        }
    }

    /// Sends a JSON object built from `object`.
    @discardableResult
    func send(_ method: HTTPRequest.Method, _ uri: String, key: String? = nil, json object: [String: Any],
              sourceLocation: SourceLocation = #_sourceLocation) async throws -> TestResponse {
        let data = try JSONSerialization.data(withJSONObject: object)
        return try await send(method, uri, key: key, body: String(decoding: data, as: UTF8.self), sourceLocation: sourceLocation)
    }

    /// POST /api/v1/validate; returns the `result` field (nil when the response is not a 200 result).
    func validate(_ code: String, user: String = "alice", tenant: String = "acme", key: String,
                  sourceLocation: SourceLocation = #_sourceLocation) async throws -> String? {
        let r = try await send(.post, "/api/v1/validate", key: key, json: ["tenant": tenant, "username": user, "code": code],
                               sourceLocation: sourceLocation)
        #expect(r.status == .ok, sourceLocation: sourceLocation)
        return try? jsonObject(r)["result"] as? String
    }
}

/// The body as a JSON object.
func jsonObject(_ r: TestResponse, sourceLocation: SourceLocation = #_sourceLocation) throws -> [String: Any] {
    let value = try JSONSerialization.jsonObject(with: Data(buffer: r.body))
    return try #require(value as? [String: Any], "not a JSON object: \(String(buffer: r.body))", sourceLocation: sourceLocation)
}

/// The array under `key` of a JSON object body.
func jsonList(_ r: TestResponse, _ key: String, sourceLocation: SourceLocation = #_sourceLocation) throws -> [[String: Any]] {
    try #require(try jsonObject(r, sourceLocation: sourceLocation)[key] as? [[String: Any]], sourceLocation: sourceLocation)
}

/// Checks an error response: status, JSON content type, `error` code and a non-empty `message`.
func expectError(_ r: TestResponse, _ status: HTTPResponse.Status, _ code: String, sourceLocation: SourceLocation = #_sourceLocation) throws {
    #expect(r.status == status, "body: \(String(buffer: r.body))", sourceLocation: sourceLocation)
    #expect(r.headers[.contentType] == "application/json", sourceLocation: sourceLocation)
    let body = try jsonObject(r, sourceLocation: sourceLocation)
    #expect(body["error"] as? String == code, "body: \(body)", sourceLocation: sourceLocation)
    let message = body["message"] as? String
    #expect(message?.isEmpty == false, "no message in \(body)", sourceLocation: sourceLocation)
}

/// Whether `text` is an RFC 3339 timestamp.
func isRFC3339(_ text: Any?) -> Bool {
    guard let s = text as? String else { return false }
    return ISO8601DateFormatter().date(from: s) != nil
}

/// Whether `text` is a lowercase UUID.
func isUUID(_ text: Any?) -> Bool {
    guard let s = text as? String else { return false }
    return UUID(uuidString: s) != nil && s == s.lowercased()
}
