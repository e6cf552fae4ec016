import Foundation
import HummingbirdTesting
import LifelineCore
import Testing

@Suite("Public endpoints")
struct HealthTests {
    @Test func healthIsOK() async throws {
        try await Fixture.with { fx in
            try await fx.app().test(.router) { client in
                let r = try await client.send(.get, "/health")
                #expect(r.status == .ok)
                #expect(r.headers[.contentType] == "application/json")
                #expect(try jsonObject(r) as? [String: String] == ["status": "ok"])
                // The security headers every response carries.
                #expect(r.headers[.cacheControl] == "no-store")
                #expect(r.headers[.init("X-Content-Type-Options")!] == "nosniff")
            }
        }
    }

    @Test("HEAD on /health, /ready and the pages answers like GET, without a body (load balancers use it)")
    func headAnswersLikeGet() async throws {
        try await Fixture.with { fx in
            try await fx.seedRecovery()
            try await fx.app().test(.router) { client in
                for path in ["/health", "/ready", "/recover", "/recover?tenant=demo", "/metrics"] {
                    let get = try await client.executeRequest(uri: path, method: .get, headers: [.acceptLanguage: "en"], body: nil)
                    let head = try await client.executeRequest(uri: path, method: .head, headers: [.acceptLanguage: "en"], body: nil)
                    #expect(head.status == get.status, "HEAD \(path): \(head.status)")
                    #expect(head.headers[.contentType] == get.headers[.contentType], "HEAD \(path)")
                    #expect(head.body.readableBytes == 0, "HEAD \(path) has no body")
                }
            }
        }
    }

    @Test func readyWhenTheDatabaseAnswers() async throws {
        try await Fixture.with { fx in
            try await fx.app().test(.router) { client in
                let r = try await client.send(.get, "/ready")
                #expect(r.status == .ok)
                #expect(try jsonObject(r)["status"] as? String == "ready")
            }
        }
    }

    @Test func metricsCountValidationsByResult() async throws {
        try await Fixture.with { fx in
            try await fx.seedAlice()
            try await fx.app().test(.router) { client in
                let before = try await client.send(.get, "/metrics")
                #expect(before.status == .ok)
                #expect(before.headers[.contentType]?.hasPrefix("text/plain; version=0.0.4") == true)
                let text0 = String(buffer: before.body)
                let accept0 = metric(text0, #"lifeline_validations_total{result="accept"}"#) ?? 0
                let reject0 = metric(text0, #"lifeline_validations_total{result="reject"}"#) ?? 0

                #expect(try await client.validate(fx.totp(), key: fx.validateKey) == "accept")
                #expect(try await client.validate(fx.wrongCode(), key: fx.validateKey) == "reject")
                #expect(try await client.validate(fx.wrongCode(), user: "nobody", key: fx.validateKey) == "reject")

                let after = try await client.send(.get, "/metrics")
                let text = String(buffer: after.body)
                #expect(text.contains("lifeline_validations_total"))
                #expect(metric(text, #"lifeline_validations_total{result="accept"}"#) == accept0 + 1)
                #expect(metric(text, #"lifeline_validations_total{result="reject"}"#) == reject0 + 2)
                #expect(text.contains("lifeline_validation_duration_seconds"))
                // Requests answered so far: 2 metrics requests + 3 validations at least.
                #expect((metric(text, "lifeline_http_requests_total") ?? 0) >= 4)
            }
        }
    }

    @Test func unknownRouteIsJSON404() async throws {
        try await Fixture.with { fx in
            try await fx.app().test(.router) { client in
                try expectError(try await client.send(.get, "/no/such/route"), .notFound, "not_found")
                try expectError(try await client.send(.get, "/api/v1/nothing", key: fx.adminKey), .notFound, "not_found")
            }
        }
    }

    @Test func undeclaredMethodIs405() async throws {
        try await Fixture.with { fx in
            try await fx.app().test(.router) { client in
                try expectError(try await client.send(.delete, "/health"), .methodNotAllowed, "method_not_allowed")
                try expectError(try await client.send(.get, "/api/v1/validate", key: fx.validateKey), .methodNotAllowed, "method_not_allowed")
                try expectError(try await client.send(.put, "/api/v1/admin/tenants", key: fx.adminKey), .methodNotAllowed, "method_not_allowed")
            }
        }
    }
}

/// The value of the sample `name` (exact series text) in a Prometheus exposition.
func metric(_ text: String, _ name: String) -> Double? {
    for line in text.split(separator: "\n") where line.hasPrefix(name + " ") {
        return Double(line.dropFirst(name.count + 1).trimmingCharacters(in: .whitespaces))
    }
    return nil
}
