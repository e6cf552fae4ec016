import Foundation
import HTTPTypes
import HummingbirdTesting
import LifelineCore
import NIOCore
import Testing

@Suite("Live server")
struct LiveTests {
    @Test func validationRoundTripOverASocket() async throws {
        try await Fixture.with { fx in
            try await fx.seedAlice()
            try await fx.app().test(.live) { client in
                #expect(client.port != nil && client.port != 0)
                let health = try await client.send(.get, "/health")
                #expect(health.status == .ok)
                #expect(try await client.validate(fx.totp(), key: fx.validateKey) == "accept")
                #expect(try await client.validate(fx.totp(), key: fx.validateKey) == "reject")
                let unauthorized = try await client.send(.post, "/api/v1/validate", body: #"{"tenant":"acme","username":"alice","code":"123456"}"#)
                try expectError(unauthorized, .unauthorized, "unauthorized")
                #expect(unauthorized.headers[.wwwAuthenticate] == "Bearer")
                let huge = #"{"pad":""# + String(repeating: "x", count: 100 * 1024) + #""}"#
                try expectError(try await client.send(.post, "/api/v1/validate", key: fx.validateKey, body: huge), .contentTooLarge, "payload_too_large")
            }
            // The accept was audited with the client's address.
            let events = try await fx.runtime.store.recentEvents(tenant: "acme", limit: 10)
            let accept = try #require(events.first { $0.record.event == "validate" && $0.record.outcome == "accept" })
            #expect(!accept.record.source.isEmpty)
        }
    }

    @Test func concurrentValidationsOfOneCodeAcceptExactlyOnce() async throws {
        try await Fixture.with { fx in
            try await fx.seedAlice()
            let code = fx.totp()
            let body = #"{"tenant":"acme","username":"alice","code":"\#(code)"}"#
            try await fx.app().test(.live) { client in
                let port = try #require(client.port)
                // One connection per request, so the server really handles them at the same time.
                let results = try await withThrowingTaskGroup(of: String.self) { group in
                    for _ in 0..<50 {
                        group.addTask {
                            // A long read timeout: this checks single use, not speed, and CI runs every suite at once on 2 cores.
                            try await TestClient.withClient(host: "localhost", port: port, configuration: .init(timeout: .seconds(120))) { c in
                                let r = try await c.execute(.init("/api/v1/validate", method: .post, authority: "localhost",
                                                                  headers: [.authorization: "Bearer \(fx.validateKey)", .contentType: "application/json"],
                                                                  body: ByteBuffer(string: body)))
                                guard r.status == .ok, let b = r.body else { return "status \(r.status.code)" }
                                return String(buffer: b)
                            }
                        }
                    }
                    var all: [String] = []
                    for try await r in group { all.append(r) }
                    return all
                }
                #expect(results.count == 50)
                #expect(results.filter { $0 == #"{"result":"accept"}"# }.count == 1)
                #expect(results.filter { $0 == #"{"result":"reject"}"# }.count == 49)
            }
            let accepts = try await fx.runtime.store.recentEvents(tenant: "acme", limit: 1000)
                .filter { $0.record.event == "validate" && $0.record.outcome == "accept" }
            #expect(accepts.count == 1)
        }
    }

    @Test func concurrentRequestsOnOneLiveClient() async throws {
        try await Fixture.with { fx in
            try await fx.seedAlice()
            let code = fx.totp()
            try await fx.app().test(.live) { live in
                let port = try #require(live.port)
                let results = try await TestClient.withClient(host: "localhost", port: port, configuration: .init(timeout: .seconds(120))) { client in
                  try await withThrowingTaskGroup(of: String?.self) { group in
                    for _ in 0..<50 {
                        group.addTask {
                            let r = try await client.execute(.init("/api/v1/validate", method: .post, authority: "localhost",
                                                                   headers: [.authorization: "Bearer \(fx.validateKey)", .contentType: "application/json"],
                                                                   body: ByteBuffer(string: #"{"tenant":"acme","username":"alice","code":"\#(code)"}"#)))
                            guard r.status == .ok, let b = r.body else { return nil }
                            return (try? JSONSerialization.jsonObject(with: Data(buffer: b)) as? [String: Any])?["result"] as? String
                        }
                    }
                    var all: [String?] = []
                    for try await r in group { all.append(r) }
                    return all
                  }
                }
                #expect(results.filter { $0 == "accept" }.count == 1)
                #expect(results.filter { $0 == "reject" }.count == 49)
            }
        }
    }
}
