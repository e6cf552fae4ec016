import Foundation
import Testing
@testable import LifelineAuthenticatorKit

/// A stand-in for the agent API: answers queued responses and records requests.
actor FakeAgentServer: HTTPTransport {
    var responses: [TransportResponse] = []
    var requests: [TransportRequest] = []

    func answer(_ response: OfflineWire.AuthenticateResponse) {
        responses.append(TransportResponse(status: 200, body: try! JSONEncoder().encode(response)))
    }
    func answer(status: Int, raw: String) { responses.append(TransportResponse(status: status, body: Data(raw.utf8))) }

    func send(_ request: TransportRequest) async throws -> TransportResponse {
        requests.append(request)
        guard !responses.isEmpty else { throw AuthenticatorClientError.transport("connection refused") }
        return responses.removeFirst()
    }
}

/// ``AgentClient`` against ``FakeAgentServer`` with a memory store: what is stored, kept and wiped.
@Suite struct AgentClientTests {
    typealias F = OfflineFixture
    let key = "ll_agentkey"

    func setUp(_ state: AgentState? = nil) -> (FakeAgentServer, AgentClient, MemoryAgentStateStore) {
        let server = FakeAgentServer(), store = MemoryAgentStateStore(state)
        return (server, AgentClient(store: store, server: "http://127.0.0.1:8080", key: key, transport: server), store)
    }

    @Test func acceptStoresTheDataAndRefillToken() async throws {
        let (server, client, store) = setUp()
        await server.answer(.init(result: "accept", offline: F.data(), refillToken: "rt1"))
        let answer = try await client.authenticate(user: "ada", passcode: "123456", machine: "laptop1")
        #expect(answer.result == "accept")
        let entry = try #require(try store.load()?.users["acme/ada"])
        #expect(entry.data == F.data() && entry.refillToken == "rt1" && entry.lastStep == F.firstStep - 1 && entry.failures == 0)
        #expect(entry.keyID == AgentClient.keyID(key) && entry.keyID != key)
        let request = try #require(await server.requests.first)
        #expect(request.url.absoluteString == "http://127.0.0.1:8080/api/v1/agent/authenticate")
        #expect(request.headers["Authorization"] == "Bearer \(key)")
        let sent = try JSONDecoder().decode(OfflineWire.AuthenticateRequest.self, from: request.body)
        #expect(sent == .init(user: "ada", passcode: "123456", machine: "laptop1"))
        // And it verifies offline through the client, once per step.
        let t = F.firstStep + 3
        #expect(try await client.verify(user: "ada", passcode: F.tokencode(t), now: F.time(t)) == .accepted(step: t))
        #expect(try await client.verify(user: "acme/ada", passcode: F.tokencode(t), now: F.time(t)) == .rejected)
    }

    @Test func rejectLeavesStoredDataAlone() async throws {
        let held = AgentState(users: ["acme/ada": F.entry()])
        let (server, client, store) = setUp(held)
        await server.answer(.init(result: "reject"))
        #expect(try await client.authenticate(user: "ada", passcode: "000000", machine: "laptop1").result == "reject")
        await server.answer(.init(result: "accept", offlineReason: "passcode_too_short"))
        #expect(try await client.authenticate(user: "ada", passcode: "000000", machine: "laptop1").offline == nil)
        #expect(try store.load() == held)
    }

    @Test func malformedDataIsNotStored() async throws {
        let (server, client, store) = setUp()
        var bad = F.data(); bad.tags = Data([1, 2, 3]).base64EncodedString()
        await server.answer(.init(result: "accept", offline: bad, refillToken: "rt1"))
        await #expect(throws: AgentClientError.badResponse("malformed offline data")) {
            try await client.authenticate(user: "ada", passcode: "123456", machine: "laptop1")
        }
        await server.answer(.init(result: "accept", offline: F.data(), refillToken: "rt1"))
        await #expect(throws: AgentClientError.self) { try await client.authenticate(user: "bob", passcode: "123456", machine: "laptop1") }
        #expect(try store.load()?.users.isEmpty ?? true)
    }

    @Test func refillReplacesAndKeepsCounters() async throws {
        var entry = F.entry(); entry.lastStep = F.firstStep + 5; entry.failures = 1
        let (server, client, store) = setUp(AgentState(users: ["acme/ada": entry]))
        var newer = F.data(); newer.grantID = "g2"
        await server.answer(.init(result: "refilled", offline: newer, refillToken: "rt2"))
        #expect(try await client.refill(user: "ada").result == "refilled")
        let sent = try JSONDecoder().decode(OfflineWire.RefillRequest.self, from: try #require(await server.requests.first).body)
        #expect(sent == .init(user: "Ada", machine: "laptop1", refillToken: "refill-1"))
        let stored = try #require(try store.load()?.users["acme/ada"])
        #expect(stored.data.grantID == "g2" && stored.refillToken == "rt2" && stored.lastStep == F.firstStep + 5 && stored.failures == 1)
    }

    @Test func revokedRefillWipesTheUser() async throws {
        let (server, client, store) = setUp(AgentState(users: ["acme/ada": F.entry(), "acme/bob": F.entry()]))
        await server.answer(.init(result: "revoked", offlineReason: "policy_changed"))
        #expect(try await client.refill(user: "ada").offlineReason == "policy_changed")
        #expect(try store.load()?.users.keys.sorted() == ["acme/bob"])
        await #expect(throws: AgentClientError.noData("ada")) { try await client.refill(user: "ada") }
        await #expect(throws: AgentClientError.noData("ada")) { try await client.verify(user: "ada", passcode: "123456", now: F.start) }
    }

    @Test func unauthorizedWipesEverythingThatKeyDownloaded() async throws {
        var mine = F.entry(); mine.keyID = AgentClient.keyID(key)
        var other = F.entry(); other.keyID = AgentClient.keyID("ll_otherkey")
        let (server, client, store) = setUp(AgentState(users: ["acme/ada": mine, "acme/bob": mine, "beta/eve": other]))
        await server.answer(status: 401, raw: #"{"error":"unauthorized","message":"invalid API key"}"#)
        await #expect(throws: AgentClientError.agentRevoked) { try await client.authenticate(user: "ada", passcode: "1", machine: "m") }
        #expect(try store.load()?.users.keys.sorted() == ["beta/eve"])
    }

    @Test func otherErrorsAndUnsafeServers() async throws {
        let (server, client, store) = setUp(AgentState(users: ["acme/ada": F.entry()]))
        await server.answer(status: 403, raw: #"{"error":"forbidden","message":"not an agent key"}"#)
        await #expect(throws: AgentClientError.server(status: 403, code: "forbidden", message: "not an agent key")) {
            try await client.authenticate(user: "ada", passcode: "1", machine: "m")
        }
        await #expect(throws: AgentClientError.transport("connection refused")) { try await client.authenticate(user: "ada", passcode: "1", machine: "m") }
        #expect(try store.load()?.users.count == 1)
        let plain = AgentClient(store: store, server: "http://id.example.org", key: key, transport: server)
        await #expect(throws: AgentClientError.insecureServer("http://id.example.org")) { try await plain.authenticate(user: "ada", passcode: "1", machine: "m") }
        let keyless = AgentClient(store: store, server: "https://id.example.org", key: nil, transport: server)
        await #expect(throws: AgentClientError.noKey) { try await keyless.authenticate(user: "ada", passcode: "1", machine: "m") }
    }

    @Test func verifyWipesAtTheCapThroughTheStore() async throws {
        let (_, client, store) = setUp(AgentState(users: ["acme/ada": F.entry(F.data(maxFailures: 2))]))
        let t = F.firstStep + 1
        #expect(try await client.verify(user: "ada", passcode: "000000", now: F.time(t)) == .rejected)
        #expect(try store.load()?.users["acme/ada"]?.failures == 1)
        #expect(try await client.verify(user: "ada", passcode: "000000", now: F.time(t)) == .wiped)
        #expect(try store.load()?.users.isEmpty == true)
        #expect(try await client.wipe(user: "ada") == false)
    }
}
