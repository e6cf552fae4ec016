import Foundation
import HTTPTypes
import HummingbirdTesting
import LifelineAuthenticatorKit
import LifelineCore
import NIOCore
import Testing

/// The Lifeline Authenticator's HTTP interfaces (issue 16): the app API `/api/v1/authenticator/*` (no API key, the
/// device key signs; per-address limit; errors as the API's JSON) and the admin routes (activation, state).
@Suite("Authenticator: app API and admin routes")
struct AuthenticatorAPITests {
    static let signedRoutes = ["activate", "code", "unblock", "pin", "status"]

    @Test("a signed route without a signature, or with one that is not base64, is 401 JSON, with or without an API key")
    func unsignedIsUnauthorized() async throws {
        try await Fixture.with { fx in
            try await fx.app().test(.router) { client in
                for name in Self.signedRoutes {
                    let path = AuthenticatorWire.pathPrefix + "/" + name
                    try expectError(try await client.send(.post, path, body: #"{"device_id":"x"}"#), .unauthorized, "unauthorized")
                    let bad = try await client.execute(uri: path, method: .post,
                                                       headers: [.contentType: "application/json", HTTPField.Name("Lifeline-Signature")!: "not*base64!"],
                                                       body: ByteBuffer(string: "{}"))
                    try expectError(bad, .unauthorized, "unauthorized")
                    // An API key is no substitute for the device's signature.
                    try expectError(try await client.send(.post, path, key: fx.adminKey, body: "{}"), .unauthorized, "unauthorized")
                }
            }
        }
    }

    @Test("the app API needs no API key: a request without one reaches the service (not the API key's 401)")
    func noAPIKeyNeeded() async throws {
        try await Fixture.with { fx in
            try await fx.app().test(.router) { client in
                let r = try await client.send(.post, AuthenticatorWire.pathPrefix + "/challenge", body: #"{"device_id":"5c2a1e3b-7d4f-4a6b-8c9d-0e1f2a3b4c5d"}"#)
                #expect(!String(buffer: r.body).contains("API key"), "\(r.status) \(String(buffer: r.body))")
                #expect(r.status != .unauthorized)
            }
        }
    }

    @Test("malformed bodies: /challenge with a wrong shape is 400 JSON; a body over 64 KiB is 413; a form body is refused")
    func malformed() async throws {
        try await Fixture.with { fx in
            try await fx.app().test(.router) { client in
                let path = AuthenticatorWire.pathPrefix + "/challenge"
                try expectError(try await client.send(.post, path, body: "{"), .badRequest, "invalid_request")
                try expectError(try await client.send(.post, path, body: #"{"device":"x"}"#), .badRequest, "invalid_request")
                try expectError(try await client.send(.post, path, body: #"{"device_id":7}"#), .badRequest, "invalid_request")
                let huge = #"{"device_id":""# + String(repeating: "a", count: 70_000) + #""}"#
                let big = try await client.execute(uri: AuthenticatorWire.pathPrefix + "/code", method: .post,
                                                   headers: [.contentType: "application/json", HTTPField.Name("Lifeline-Signature")!: "AAAA"],
                                                   body: ByteBuffer(string: huge))
                try expectError(big, .contentTooLarge, "payload_too_large")
                let form = try await client.execute(uri: path, method: .post, headers: [.contentType: "application/x-www-form-urlencoded"],
                                                    body: ByteBuffer(string: "device_id=x"))
                #expect(form.status.code >= 400 && form.status.code < 500)
            }
        }
    }

    @Test("the app API has a per-address budget: over it, 429 with Retry-After")
    func rateLimited() async throws {
        try await Fixture.with(configure: { $0.recoveryRequestsPerMinute = 3 }) { fx in
            try await fx.app().test(.router) { client in
                var statuses: [HTTPTypes.HTTPResponse.Status] = []
                for _ in 0..<6 {
                    let r = try await client.send(.post, AuthenticatorWire.pathPrefix + "/status", body: "{}")
                    statuses.append(r.status)
                    if r.status == .tooManyRequests {
                        try expectError(r, .tooManyRequests, "rate_limited")
                        #expect(r.headers[.retryAfter] != nil)
                    }
                }
                #expect(statuses.contains(.tooManyRequests), "\(statuses)")
                #expect(statuses.first == .unauthorized)
            }
        }
    }

    @Test("the admin routes need an API key (401 without), and a reader key may read but not issue")
    func adminRoutesNeedKey() async throws {
        try await Fixture.with { fx in
            try await fx.seedAlice()
            let auditor = try await fx.key(.auditor, tenant: nil)
            try await fx.app().test(.router) { client in
                let base = "/api/v1/admin/tenants/acme/users/alice/authenticator"
                try expectError(try await client.send(.get, base), .unauthorized, "unauthorized")
                try expectError(try await client.send(.post, base + "/activations", body: "{}"), .unauthorized, "unauthorized")
                try expectError(try await client.send(.post, base + "/activations", key: auditor, body: "{}"), .forbidden, "forbidden")
                #expect(try await client.send(.get, base, key: auditor).status != .forbidden)
                for action in ["pin_block", "ubc_display", "pin_reset_present"] {
                    let r = try await client.send(.post, "/api/v1/admin/tenants/acme/users/alice/helpdesk/\(action)", key: auditor, body: #"{"reason":"T-1"}"#)
                    try expectError(r, .forbidden, "forbidden")
                }
            }
        }
    }
}
