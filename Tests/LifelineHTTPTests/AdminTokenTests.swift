import Foundation
import HummingbirdTesting
import LifelineCore
import Testing

@Suite("Admin API: tokens")
struct AdminTokenTests {
    static let tokens = "/api/v1/admin/tenants/acme/tokens"

    @Test func enrollGeneratesASecretShownOnlyOnce() async throws {
        try await Fixture.with { fx in
            try await fx.tenant()
            try await fx.user()
            try await fx.app().test(.router) { client in
                let r = try await client.send(.post, "/api/v1/admin/tenants/acme/users/alice/tokens", key: fx.adminKey,
                                              json: ["type": "totp", "label": "phone"])
                #expect(r.status == .created)
                let body = try jsonObject(r)
                let uri = try #require(body["otpauth_uri"] as? String)
                #expect(uri.hasPrefix("otpauth://totp/"))
                #expect(uri.contains("secret="))
                let token = try #require(body["token"] as? [String: Any])
                #expect(isUUID(token["id"]))
                #expect(token["tenant"] as? String == "acme")
                #expect(token["username"] as? String == "alice")
                #expect(token["type"] as? String == "totp")
                #expect(token["algorithm"] as? String == "sha1")
                #expect(token["digits"] as? Int == 6)
                #expect(token["period"] as? Int == 30)
                #expect(token["state"] as? String == "active")
                #expect(token["fail_count"] as? Int == 0)
                #expect(token["max_fail"] as? Int == 100)
                #expect(token["drift"] as? Int == 0)
                #expect(token["last_used"] is NSNull)
                #expect(token["label"] as? String == "phone")
                #expect(isRFC3339(token["created_at"]))
                #expect(token["secret"] == nil)

                // The URI's secret is the token's: a code computed from it validates.
                let query = try #require(URLComponents(string: uri)?.queryItems)
                let secretText = try #require(query.first { $0.name == "secret" }?.value)
                let secret = try #require(Base32.decode(secretText))
                #expect(secret.count == 20)
                #expect(try await client.validate(fx.totp(secret: secret), key: fx.validateKey) == "accept")

                // Never again: not in GET, not in the list.
                let id = try #require(token["id"] as? String)
                let got = try await client.send(.get, "\(Self.tokens)/\(id)", key: fx.adminKey)
                #expect(got.status == .ok)
                #expect(try jsonObject(got)["secret"] == nil)
                #expect(!String(buffer: got.body).contains(secretText))
                let list = try await client.send(.get, Self.tokens, key: fx.adminKey)
                #expect(!String(buffer: list.body).contains(secretText))
            }
        }
    }

    @Test func enrollImportsAndChecksParameters() async throws {
        try await Fixture.with { fx in
            try await fx.tenant()
            try await fx.user()
            try await fx.app().test(.router) { client in
                let path = "/api/v1/admin/tenants/acme/users/alice/tokens"
                let r = try await client.send(.post, path, key: fx.adminKey,
                                              json: ["type": "totp", "secret": testSecretBase32, "algorithm": "sha256", "digits": 8, "period": 60])
                #expect(r.status == .created)
                let t = try #require(try jsonObject(r)["token"] as? [String: Any])
                #expect(t["algorithm"] as? String == "sha256")
                #expect(t["digits"] as? Int == 8)
                #expect(t["period"] as? Int == 60)
                let uri = try #require(try jsonObject(r)["otpauth_uri"] as? String)
                #expect(uri.contains("secret=\(testSecretBase32)"))
                #expect(uri.contains("algorithm=SHA256"))
                let step = HOTP.timeStep(unixTime: Int64(fx.clock.now().timeIntervalSince1970), period: 60)
                let code = HOTP.code(secret: testSecret, counter: UInt64(step), digits: 8, algorithm: .sha256)
                #expect(try await client.validate(code, key: fx.validateKey) == "accept")

                let hotp = try await client.send(.post, path, key: fx.adminKey, json: ["type": "hotp", "counter": 7])
                #expect(hotp.status == .created)
                #expect((try jsonObject(hotp)["otpauth_uri"] as? String)?.hasPrefix("otpauth://hotp/") == true)

                let bad: [[String: Any]] = [
                    ["type": "totp", "secret": "JBSWY3DPEHPK3PXP"],  // 80 bits
                    ["type": "totp", "secret": "not base32!"],
                    ["type": "totp", "digits": 9],
                    ["type": "totp", "digits": 5],
                    ["type": "totp", "period": 45],
                    ["type": "hotp", "counter": -1],
                    ["type": "sms"],
                    ["type": "totp", "algorithm": "md5"],
                    ["label": "no type"],
                ]
                for json in bad {
                    try expectError(try await client.send(.post, path, key: fx.adminKey, json: json), .badRequest, "invalid_request")
                }
                try expectError(try await client.send(.post, path, key: fx.adminKey, body: #"{"type":"totp","digits":"6"}"#), .badRequest, "invalid_json")
                try expectError(try await client.send(.post, "/api/v1/admin/tenants/acme/users/nobody/tokens", key: fx.adminKey, json: ["type": "totp"]),
                                .notFound, "not_found")
            }
        }
    }

    @Test func listAndGetTokens() async throws {
        try await Fixture.with { fx in
            let aliceToken = try await fx.seedAlice()
            try await fx.user("bob")
            let bobToken = try await fx.token(username: "bob")
            try await fx.app().test(.router) { client in
                let all = try jsonList(try await client.send(.get, Self.tokens, key: fx.adminKey), "tokens")
                #expect(Set(all.compactMap { $0["id"] as? String }) == [aliceToken.uuidString.lowercased(), bobToken.uuidString.lowercased()])
                let bobs = try jsonList(try await client.send(.get, "\(Self.tokens)?username=bob", key: fx.adminKey), "tokens")
                #expect(bobs.count == 1)
                #expect(bobs.first?["id"] as? String == bobToken.uuidString.lowercased())
                #expect(bobs.first?["username"] as? String == "bob")
                try expectError(try await client.send(.get, "\(Self.tokens)?username=nobody", key: fx.adminKey), .notFound, "not_found")

                let one = try jsonObject(try await client.send(.get, "\(Self.tokens)/\(aliceToken.uuidString.lowercased())", key: fx.adminKey))
                #expect(one["username"] as? String == "alice")
                #expect(one["tenant"] as? String == "acme")

                try expectError(try await client.send(.get, "\(Self.tokens)/not-a-uuid", key: fx.adminKey), .badRequest, "invalid_request")
                try expectError(try await client.send(.get, "\(Self.tokens)/\(UUID().uuidString)", key: fx.adminKey), .notFound, "not_found")
                let unknownTenant = try await client.send(.get, "/api/v1/admin/tenants/nowhere/tokens", key: fx.adminKey)
                try expectError(unknownTenant, .notFound, "not_found")
                #expect(try jsonObject(unknownTenant)["error"] as? String == "not_found")
            }
        }
    }

    @Test func disableEnableReset() async throws {
        try await Fixture.with { fx in
            let id = try await fx.seedAlice()
            let uri = "\(Self.tokens)/\(id.uuidString.lowercased())"
            try await fx.app().test(.router) { client in
                let disabled = try await client.send(.post, uri + "/disable", key: fx.adminKey)
                #expect(disabled.status == .ok)
                #expect(try jsonObject(disabled)["state"] as? String == "disabled")
                #expect(try jsonObject(disabled)["username"] as? String == "alice")
                #expect(try await client.validate(fx.totp(), key: fx.validateKey) == "reject")
                // A disabled token does not count failures.
                #expect(try jsonObject(try await client.send(.get, uri, key: fx.adminKey))["fail_count"] as? Int == 0)

                let enabled = try await client.send(.post, uri + "/enable", key: fx.adminKey)
                #expect(try jsonObject(enabled)["state"] as? String == "active")
                #expect(try await client.validate(fx.totp(), key: fx.validateKey) == "accept")

                #expect(try await client.validate(fx.wrongCode(), key: fx.validateKey) == "reject")
                #expect(try jsonObject(try await client.send(.get, uri, key: fx.adminKey))["fail_count"] as? Int == 1)
                let reset = try jsonObject(try await client.send(.post, uri + "/reset", key: fx.adminKey))
                #expect(reset["fail_count"] as? Int == 0)
                #expect(reset["state"] as? String == "active")

                for action in ["disable", "enable", "reset"] {
                    try expectError(try await client.send(.post, "\(Self.tokens)/\(UUID().uuidString)/\(action)", key: fx.adminKey), .notFound, "not_found")
                    try expectError(try await client.send(.post, "\(Self.tokens)/not-a-uuid/\(action)", key: fx.adminKey), .badRequest, "invalid_request")
                }
            }
        }
    }

    @Test func resyncWithTwoConsecutiveCodes() async throws {
        try await Fixture.with { fx in
            let id = try await fx.seedAlice()
            let uri = "\(Self.tokens)/\(id.uuidString.lowercased())"
            try await fx.app().test(.router) { client in
                // The device's clock is 50 steps (25 minutes) ahead: its codes do not validate.
                #expect(try await client.validate(fx.totp(52), key: fx.validateKey) == "reject")
                _ = try await client.send(.post, uri + "/reset", key: fx.adminKey)

                try expectError(try await client.send(.post, uri + "/resync", key: fx.adminKey, json: ["code1": fx.totp(50), "code2": fx.totp(52)]),
                                .unprocessableContent, "resync_failed")
                try expectError(try await client.send(.post, uri + "/resync", key: fx.adminKey, json: ["code1": "12345x", "code2": fx.totp(51)]),
                                .badRequest, "invalid_request")
                try expectError(try await client.send(.post, uri + "/resync", key: fx.adminKey, json: ["code1": fx.totp(50)]),
                                .badRequest, "invalid_request")

                let r = try await client.send(.post, uri + "/resync", key: fx.adminKey, json: ["code1": fx.totp(50), "code2": fx.totp(51)])
                #expect(r.status == .ok)
                let t = try jsonObject(r)
                #expect(t["drift"] as? Int == 51)
                #expect(t["last_used"] as? Int == Int(fx.step + 51))
                // The codes used for the resync are spent; the next one at that drift is accepted.
                #expect(try await client.validate(fx.totp(51), key: fx.validateKey) == "reject")
                #expect(try await client.validate(fx.totp(52), key: fx.validateKey) == "accept")
                // Time passes, the drift stays.
                fx.clock.advance(seconds: 30)
                #expect(try await client.validate(fx.totp(52), key: fx.validateKey) == "accept")
                // The same two codes cannot be replayed to resync again.
                fx.clock.advance(seconds: -30)
                try expectError(try await client.send(.post, uri + "/resync", key: fx.adminKey, json: ["code1": fx.totp(50), "code2": fx.totp(51)]),
                                .unprocessableContent, "resync_failed")
            }
        }
    }

    @Test func checkReportsTheDetailedResult() async throws {
        try await Fixture.with { fx in
            let id = try await fx.seedAlice()
            let uri = "\(Self.tokens)/\(id.uuidString.lowercased())"
            try await fx.app().test(.router) { client in
                func check(_ code: String) async throws -> String? {
                    let r = try await client.send(.post, uri + "/check", key: fx.adminKey, json: ["code": code])
                    #expect(r.status == .ok)
                    return try jsonObject(r)["result"] as? String
                }
                #expect(try await check(fx.totp(5)) == "resync_needed")
                #expect(try await check(fx.wrongCode()) == "reject")
                #expect(try await check(fx.totp()) == "accept")
                #expect(try await check(fx.totp()) == "replay")
                _ = try await client.send(.post, uri + "/disable", key: fx.adminKey)
                #expect(try await check(fx.totp(1)) == "disabled")
                try expectError(try await client.send(.post, uri + "/check", key: fx.adminKey, json: ["code": "12ab56"]), .badRequest, "invalid_request")
                try expectError(try await client.send(.post, "\(Self.tokens)/\(UUID().uuidString)/check", key: fx.adminKey, json: ["code": "123456"]),
                                .notFound, "not_found")
                // Diagnostic is admin-only.
                try expectError(try await client.send(.post, uri + "/check", key: fx.validateKey, json: ["code": "123456"]), .forbidden, "forbidden")
            }
        }
    }

    /// The check endpoint names one token, but the core checks (and consumes the code on) every token of the
    /// token's user: a code of another token of the same user is reported "accept" and used up.
    @Test func checkLooksOnlyAtTheNamedToken() async throws {
        try await Fixture.with { fx in
            let first = try await fx.seedAlice()
            let otherSecret = Array("abcdefghijabcdefghij".utf8)
            var req = EnrollmentRequest(type: .totp)
            req.secretBase32 = Base32.encode(otherSecret)
            _ = try await fx.runtime.admin.enrollToken(tenantName: "acme", username: "alice", req, caller: .cli)
            try await fx.app().test(.router) { client in
                let r = try await client.send(.post, "\(Self.tokens)/\(first.uuidString.lowercased())/check", key: fx.adminKey,
                                              json: ["code": fx.totp(secret: otherSecret)])
                #expect(try jsonObject(r)["result"] as? String == "reject")
                // The other token's code was not consumed by the check: it still validates.
                #expect(try await client.validate(fx.totp(secret: otherSecret), key: fx.validateKey) == "accept")
            }
        }
    }

    @Test func checkOnALockedToken() async throws {
        try await Fixture.with { fx in
            let id = try await fx.seedAlice()
            try await fx.app().test(.router) { client in
                try await fx.lockTokens()
                let r = try await client.send(.post, "\(Self.tokens)/\(id.uuidString.lowercased())/check", key: fx.adminKey, json: ["code": fx.totp()])
                #expect(try jsonObject(r)["result"] as? String == "locked")
            }
        }
    }

    @Test func deleteToken() async throws {
        try await Fixture.with { fx in
            let id = try await fx.seedAlice()
            let uri = "\(Self.tokens)/\(id.uuidString.lowercased())"
            try await fx.app().test(.router) { client in
                let r = try await client.send(.delete, uri, key: fx.adminKey)
                #expect(r.status == .noContent)
                #expect(r.body.readableBytes == 0)
                try expectError(try await client.send(.get, uri, key: fx.adminKey), .notFound, "not_found")
                try expectError(try await client.send(.delete, uri, key: fx.adminKey), .notFound, "not_found")
                #expect(try await client.validate(fx.totp(), key: fx.validateKey) == "reject")
                #expect(try jsonList(try await client.send(.get, Self.tokens, key: fx.adminKey), "tokens").isEmpty)
            }
        }
    }
}
