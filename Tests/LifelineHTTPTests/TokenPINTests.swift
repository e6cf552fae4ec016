import Foundation
import HummingbirdTesting
import LifelineCore
import NIOCore
import Testing

/// OTP tokens with a PIN over HTTP (issue 16): `POST /validate` with PIN ‖ OTP or a `pin` field, the rejects byte for
/// byte, and `PUT`/`DELETE /admin/tenants/{tenant}/tokens/{id}/pin`.
@Suite("Token PIN: validate and the admin route")
struct TokenPINTests {
    static let pin = "7391"

    @Test func pinAndOTPInCodeOrApartAreAcceptedAndEveryRejectIsTheSameBytes() async throws {
        try await Fixture.with { fx in
            let id = try await fx.seedAlice()
            try await fx.app().test(.router) { client in
                let path = "/api/v1/admin/tenants/acme/tokens/\(id.uuidString.lowercased())/pin"
                let set = try await client.send(.put, path, key: fx.adminKey, json: ["pin": Self.pin])
                #expect(set.status == .ok)
                let token = try jsonObject(set)
                #expect(token["has_pin"] as? Bool == true && token["pin_blocked"] as? Bool == false)
                #expect(!String(buffer: set.body).contains(Self.pin), "the answer never holds the PIN")

                func body(_ code: String, pin: String? = nil) async throws -> String {
                    var json: [String: Any] = ["tenant": "acme", "username": "alice", "code": code]
                    if let pin { json["pin"] = pin }
                    let r = try await client.send(.post, "/api/v1/validate", key: fx.validateKey, json: json)
                    #expect(r.status == .ok)
                    return String(buffer: r.body)
                }
                var rejects: [String: String] = [:]
                rejects["OTP alone"] = try await body(fx.totp())
                rejects["wrong PIN in code"] = try await body("1357" + fx.totp())
                rejects["wrong OTP, right PIN apart"] = try await body(fx.wrongCode(), pin: Self.pin)
                rejects["wrong PIN apart"] = try await body(fx.totp(), pin: "8642")
                let unknown = try await client.send(.post, "/api/v1/validate", key: fx.validateKey,
                                                    json: ["tenant": "acme", "username": "nobody", "code": Self.pin + fx.totp()])
                rejects["unknown user"] = String(buffer: unknown.body)
                for (name, b) in rejects { #expect(b == #"{"result":"reject"}"#, "\(name)") }
                // Two wrong PINs so far (the limit is 3): the right PIN ‖ OTP passes, and the next step with the PIN apart.
                #expect(try await body(Self.pin + fx.totp()) == #"{"result":"accept"}"#)
                #expect(try await body(fx.totp(1), pin: Self.pin) == #"{"result":"accept"}"#)
            }
        }
    }

    @Test func threeWrongPINsBlockAndTheResetRouteUnblocks() async throws {
        try await Fixture.with { fx in
            let id = try await fx.seedAlice()
            let tokenPath = "/api/v1/admin/tenants/acme/tokens/\(id.uuidString.lowercased())"
            try await fx.app().test(.router) { client in
                #expect(try await client.send(.put, tokenPath + "/pin", key: fx.adminKey, json: ["pin": Self.pin]).status == .ok)
                for wrong in ["1357", "8642", "9173"] { #expect(try await client.validate(wrong + fx.totp(), key: fx.validateKey) == "reject") }
                let blocked = try jsonObject(try await client.send(.get, tokenPath, key: fx.adminKey))
                #expect(blocked["pin_blocked"] as? Bool == true && blocked["pin_fail_count"] as? Int == 3)
                #expect(try await client.validate(Self.pin + fx.totp(), key: fx.validateKey) == "reject")
                #expect(try await client.send(.post, tokenPath + "/reset", key: fx.adminKey).status == .ok)
                #expect(try await client.validate(Self.pin + fx.totp(), key: fx.validateKey) == "accept")
                // DELETE removes the PIN: the OTP alone is a code again.
                let cleared = try await client.send(.delete, tokenPath + "/pin", key: fx.adminKey)
                #expect(try jsonObject(cleared)["has_pin"] as? Bool == false)
                #expect(try await client.validate(fx.totp(1), key: fx.validateKey) == "accept")
            }
        }
    }

    @Test func badPINsAre400() async throws {
        try await Fixture.with { fx in
            let id = try await fx.seedAlice()
            let path = "/api/v1/admin/tenants/acme/tokens/\(id.uuidString.lowercased())/pin"
            try await fx.app().test(.router) { client in
                try expectError(try await client.send(.put, path, key: fx.adminKey, json: ["pin": "1234"]), .badRequest, "invalid_request")
                try expectError(try await client.send(.put, path, key: fx.adminKey, json: ["pin": "12"]), .badRequest, "invalid_request")
                let r = try await client.send(.post, "/api/v1/validate", key: fx.validateKey,
                                              json: ["tenant": "acme", "username": "alice", "code": fx.totp(), "pin": "abc"])
                try expectError(r, .badRequest, "invalid_request")
                // Enrolment with a PIN.
                try await fx.user("bob")
                let enrolled = try await client.send(.post, "/api/v1/admin/tenants/acme/users/bob/tokens", key: fx.adminKey,
                                                     json: ["type": "totp", "secret": testSecretBase32, "pin": "8204"])
                #expect(enrolled.status == .created)
                #expect((try jsonObject(enrolled)["token"] as? [String: Any])?["has_pin"] as? Bool == true)
                #expect(try await client.validate("8204" + fx.totp(), user: "bob", key: fx.validateKey) == "accept")
            }
        }
    }
}
