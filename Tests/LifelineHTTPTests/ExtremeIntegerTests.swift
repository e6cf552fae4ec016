import Foundation
import HTTPTypes
import HummingbirdTesting
import LifelineApp
import LifelineCore
@testable import LifelineStore
import Testing

/// Every integer the API takes from outside, sent with values at and past the edges of Int64 (schemathesis stays
/// inside the document's bounds): each is answered 4xx, never 5xx, and the server keeps answering.
@Suite struct ExtremeIntegerTests {
    /// JSON number texts: Int64.max, Int64.min, 2^63, -1, 1e30, a 400-digit number, a fraction.
    static let extremes = ["9223372036854775807", "-9223372036854775808", "9223372036854775808", "-1", "1e30",
                           String(repeating: "9", count: 400), "0.5", "9223372036854775800"]

    @Test func tokenEnrollmentRefusesExtremeIntegers() async throws {
        try await Fixture.with { fx in
            try await fx.tenant()
            try await fx.user()
            try await fx.app().test(.router) { client in
                let path = "/api/v1/admin/tenants/acme/users/alice/tokens"
                for value in Self.extremes {
                    for body in [#"{"type":"hotp","counter":\#(value)}"#, #"{"type":"totp","digits":\#(value)}"#,
                                 #"{"type":"totp","period":\#(value)}"#, #"{"type":"hotp","digits":\#(value)}"#] {
                        let r = try await client.send(.post, path, key: fx.adminKey, body: body)
                        #expect(r.status == .badRequest, "\(body) -> \(r.status)")
                    }
                }
                #expect(try await client.send(.get, "/health").status == .ok)
            }
        }
    }

    /// The crash of the review: a counter near Int64.max made the next validation trap (the server died).
    @Test func aHugeStoredCounterGivesRejectNotACrash() async throws {
        try await Fixture.with { fx in
            try await fx.tenant()
            try await fx.user()
            let id = try await fx.token(.hotp)
            try await fx.app().test(.router) { client in
                // The largest counter enrolment accepts validates, and the next one too.
                let path = "/api/v1/admin/tenants/acme/users/alice/tokens"
                let max = Token.maxCounter
                let r = try await client.send(.post, path, key: fx.adminKey,
                                              body: #"{"type":"hotp","secret":"\#(testSecretBase32)","counter":\#(max)}"#)
                #expect(r.status == .created)
                #expect(try await client.validate(fx.hotp(UInt64(max)), key: fx.validateKey) == "accept")
            }
            // A row written by hand (or an older release) with a counter at the edge of Int64.
            let store = fx.runtime.store
            try await fx.app().test(.router) { client in
                for counter in [Int64.max, Int64.max - 5, 9_223_372_036_854_775_800] {
                    try await store.backend.write { db in
                        try await db.raw("UPDATE tokens SET counter = \(bind: counter) WHERE id = \(bind: Row.id(id))").run()
                    }
                    let result = try await client.validate("123456", key: fx.validateKey)
                    #expect(result == "reject")
                    let health = try await client.send(.get, "/health")
                    #expect(health.status == .ok)
                }
            }
        }
    }

    @Test func queryIntegersRefuseExtremes() async throws {
        try await Fixture.with { fx in
            try await fx.tenant()
            try await fx.app().test(.router) { client in
                for value in Self.extremes + ["0", "1001", "abc", ""] {
                    let q = value.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? value
                    try expectError(try await client.send(.get, "/api/v1/admin/audit?limit=\(q)", key: fx.adminKey), .badRequest, "invalid_request")
                }
            }
        }
    }

    @Test func recoveryConfigurationRefusesExtremeIntegers() async throws {
        try await Fixture.with { fx in
            try await fx.tenant()
            let file = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
                .appendingPathComponent("../../Sources/LifelineApp/Resources/demo-tenant.yaml")
            let demo = try TenantFile.parse(String(contentsOf: file, encoding: .utf8))
            let base = String(decoding: try JSONEncoder().encode(demo.recovery), as: UTF8.self)
            try await fx.app().test(.router) { client in
                let path = "/api/v1/admin/tenants/acme/recovery"
                #expect(try await client.send(.put, path, key: fx.adminKey, body: base).status == .ok)
                let fields: [(String, String)] = [
                    ("limits", "wrong_per_step"), ("limits", "resend_delay"), ("limits", "sends_per_flow"),
                    ("limits", "sends_per_user_per_hour"), ("limits", "flow_lifetime"), ("limits", "failed_flows_per_day"),
                    ("limits", "grant_lifetime"), ("methods.0", "code_length"), ("methods.0", "code_lifetime"),
                    ("methods.q", "question_count"), ("emergency_code_templates.0", "length"),
                    ("emergency_code_templates.0", "max_uses"), ("emergency_code_templates.0", "valid_for"),
                ]
                for (container, key) in fields {
                    for value in Self.extremes {
                        let body = Self.replacing(base, container: container, key: key, with: value)
                        let r = try await client.send(.put, path, key: fx.adminKey, body: body)
                        #expect(r.status == .badRequest, "\(container).\(key) = \(value) -> \(r.status)")
                    }
                }
                #expect(try await client.send(.get, "/health").status == .ok)
            }
        }
    }

    /// `base` with `key` set to the raw JSON number `value` in the object at `container` (`limits`, `methods.0`,
    /// `methods.q` for the first questions method).
    static func replacing(_ base: String, container: String, key: String, with value: String) -> String {
        var root = (try? JSONSerialization.jsonObject(with: Data(base.utf8))) as? [String: Any] ?? [:]
        let marker = "__EXTREME__"
        let parts = container.split(separator: ".").map(String.init)
        if parts.count == 1 {
            var object = root[parts[0]] as? [String: Any] ?? [:]
            object[key] = marker
            root[parts[0]] = object
        } else {
            var list = root[parts[0]] as? [[String: Any]] ?? []
            let index = parts[1] == "q" ? (list.firstIndex { $0["type"] as? String == "questions" } ?? 0) : Int(parts[1]) ?? 0
            if list.indices.contains(index) { list[index][key] = marker }
            root[parts[0]] = list
        }
        let text = String(decoding: (try? JSONSerialization.data(withJSONObject: root)) ?? Data(), as: UTF8.self)
        return text.replacingOccurrences(of: "\"\(marker)\"", with: value)
    }
}
