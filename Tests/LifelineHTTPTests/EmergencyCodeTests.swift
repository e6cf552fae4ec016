import Foundation
import HummingbirdTesting
import LifelineApp
import LifelineCore
import NIOCore
import Testing

/// Emergency access codes through the API: validation in place of the OTP, the admin routes, and the automatic
/// revocations triggered by admin changes.
@Suite("Emergency codes (API)")
struct EmergencyCodeTests {
    static let uri = "/api/v1/admin/tenants/acme/users/alice/emergency-code"

    static func template(uses: Int? = 3, alphabet: EmergencyCodeTemplate.Alphabet = .digits, length: Int = 10) -> EmergencyCodeTemplate {
        EmergencyCodeTemplate(id: "lost-phone", names: ["en": "Lost phone"], length: length, alphabet: alphabet, maxUses: uses, validFor: 3 * 86_400)
    }

    /// Issues a code to `username` of acme, as the recovery flow will.
    static func issue(_ fx: Fixture, _ username: String = "alice", template: EmergencyCodeTemplate = template()) async throws -> IssuedEmergencyCode {
        let (tenant, user) = try await fx.runtime.admin.user(tenantName: "acme", username: username, caller: .cli)
        return try await EmergencyCodeService(storage: fx.runtime.store, vault: fx.runtime.vault, clock: fx.clock, random: fx.runtime.random)
            .issue(tenant: tenant, userID: user.id, username: user.username, template: template, actor: "anonymous", source: "192.0.2.1")
    }

    static func events(_ fx: Fixture) async throws -> [AuditRecord] {
        try await fx.runtime.store.recentEvents(tenant: "acme", limit: 200).reversed().map(\.record)
    }

    @Test func anIssuedCodeReplacesTheOTPForItsUses() async throws {
        try await Fixture.with { fx in
            try await fx.seedAlice()
            let issued = try await Self.issue(fx)
            #expect(issued.code.count == 11 && issued.code.split(separator: " ").count == 2, "display form: \(issued.code)")
            #expect(issued.maxUses == 3)
            #expect(issued.expiresAt == startTime.addingTimeInterval(3 * 86_400))
            let plain = issued.code.replacingOccurrences(of: " ", with: "")
            try await fx.app().test(.router) { client async throws in
                #expect(try await client.validate(issued.code, key: fx.validateKey) == "accept")
                #expect(try await client.validate(plain, key: fx.validateKey) == "accept")
                #expect(try await client.validate(String(plain.prefix(4)) + "-" + plain.dropFirst(4), key: fx.validateKey) == "accept")
                #expect(try await client.validate(plain, key: fx.validateKey) == "reject", "three uses only")
                // The OTP still works beside it.
                #expect(try await client.validate(fx.totp(), key: fx.validateKey) == "accept")
                let state = try jsonObject(try await client.send(.get, Self.uri, key: fx.adminKey))
                #expect(state["status"] as? String == "used_up")
                #expect(state["used_count"] as? Int == 3 && state["uses_left"] as? Int == 0)
            }
            let events = try await Self.events(fx)
            #expect(events.filter { $0.reason == "emergency code" }.map(\.outcome) == ["accept", "accept", "accept"])
            let issue = try #require(events.first { $0.event == "emergency_code.issue" })
            #expect(issue.subject == "alice" && issue.actor == "anonymous" && issue.source == "192.0.2.1" && issue.reason == "template lost-phone")
            // The code itself is in no audit record and not stored in the clear.
            #expect(!events.contains { "\($0)".contains(plain) })
            let stored = try #require(try await fx.runtime.store.emergencyCode(userID: try await fx.runtime.admin.user(tenantName: "acme", username: "alice", caller: .cli).1.id))
            #expect(stored.hash.count == 64 && !stored.hash.contains(plain))
        }
    }

    @Test func worksWhenTheTokensAreLockedOrMissing() async throws {
        try await Fixture.with { fx in
            try await fx.seedAlice()
            try await fx.user("bob")
            let caller = Caller(actor: "t", scope: .validate)
            _ = caller
            try await fx.lockTokens()
            let tokens = try await fx.runtime.admin.listTokens(tenantName: "acme", username: "alice", caller: .cli).1
            #expect(tokens.map(\.state) == [.locked])
            let alice = try await Self.issue(fx, template: Self.template(alphabet: .alphanumeric, length: 8))
            let bob = try await Self.issue(fx, "bob", template: Self.template(uses: nil))
            try await fx.app().test(.router) { client async throws in
                #expect(try await client.validate(fx.totp(), key: fx.validateKey) == "reject", "the token is locked")
                #expect(try await client.validate(alice.code.lowercased(), key: fx.validateKey) == "accept")
                #expect(try await client.validate(bob.code, user: "bob", key: fx.validateKey) == "accept")
                // A code is bound to its user.
                #expect(try await client.validate(alice.code, user: "bob", key: fx.validateKey) == "reject")
                #expect(try await client.validate(bob.code, key: fx.validateKey) == "reject")
            }
        }
    }

    @Test func aWrongCodeCountsOnTheTokensOrTheCode() async throws {
        try await Fixture.with { fx in
            let tokenID = try await fx.seedAlice()
            let issued = try await Self.issue(fx)
            let wrong = issued.code.hasPrefix("9") ? "1234567890" : "9876543210"
            try await fx.app().test(.router) { client async throws in
                #expect(try await client.validate(wrong, key: fx.validateKey) == "reject")
                #expect(try await client.validate("K7MQ9XHD", key: fx.validateKey) == "reject")
                #expect(try await client.validate(fx.wrongCode(), key: fx.validateKey) == "reject")
                let token = try jsonObject(try await client.send(.get, "/api/v1/admin/tenants/acme/tokens/\(tokenID.uuidString.lowercased())", key: fx.adminKey))
                // Only the 6-digit code can be an OTP of alice's token: it alone counts there.
                #expect(token["fail_count"] as? Int == 1)
                // A 6-digit code cannot be an emergency code, so it is no guess at one: only the two others count on it.
                #expect(try jsonObject(try await client.send(.get, Self.uri, key: fx.adminKey))["fail_count"] as? Int == 2)
                // At the OTP policy's max_fail (100) the code is revoked; the token is untouched.
                for _ in 1...98 { _ = try await client.validate(wrong, key: fx.validateKey) }
                let state = try jsonObject(try await client.send(.get, Self.uri, key: fx.adminKey))
                #expect(state["status"] as? String == "revoked" && state["revoked_reason"] as? String == "too many wrong codes")
                #expect(try await client.validate(issued.code, key: fx.validateKey) == "reject")
                #expect(try await client.validate(fx.totp(), key: fx.validateKey) == "accept")
            }
        }
    }

    @Test func malformedCodesAre400ForEveryone() async throws {
        try await Fixture.with { fx in
            try await fx.seedAlice()
            _ = try await Self.issue(fx)
            try await fx.app().test(.router) { client async throws in
                // (9 digits is well-formed since issue 16: the Lifeline Authenticator's unblock code for a 4-digit PIN.)
                for code in ["K7MQ9XH", "K7MQ9XHO", "12345", String(repeating: "7", count: 33), "12345_67890", "K7MQ 9XH"] {
                    for user in ["alice", "nobody"] {
                        let r = try await client.send(.post, "/api/v1/validate", key: fx.validateKey, json: ["tenant": "acme", "username": user, "code": code])
                        try expectError(r, .badRequest, "invalid_request")
                    }
                }
                // Well-formed codes get a plain reject for unknown users and tenants alike.
                #expect(try await client.validate("12345 67890", user: "nobody", key: fx.validateKey) == "reject")
                #expect(try await client.validate("K7MQ-9XHD", tenant: "nowhere", key: fx.validateKey) == "reject")
            }
        }
    }

    @Test func adminReadsAndRevokes() async throws {
        try await Fixture.with { fx in
            try await fx.seedAlice()
            try await fx.user("bob")
            try await fx.tenant("other")
            let issued = try await Self.issue(fx)
            try await fx.app().test(.router) { client async throws in
                try expectError(try await client.send(.get, "/api/v1/admin/tenants/acme/users/bob/emergency-code", key: fx.adminKey), .notFound, "not_found")
                try expectError(try await client.send(.delete, "/api/v1/admin/tenants/acme/users/bob/emergency-code", key: fx.adminKey), .notFound, "not_found")
                try expectError(try await client.send(.get, "/api/v1/admin/tenants/acme/users/nobody/emergency-code", key: fx.adminKey), .notFound, "not_found")
                try expectError(try await client.send(.get, Self.uri, key: fx.validateKey), .forbidden, "forbidden")
                let otherKey = try await fx.key(.admin, tenant: "other")
                #expect(try await client.send(.get, Self.uri, key: otherKey).status.code >= 400)

                let r = try await client.send(.get, Self.uri, key: fx.adminKey)
                #expect(r.status == .ok)
                let state = try jsonObject(r)
                #expect(Set(state.keys) == ["tenant", "username", "template_id", "status", "issued_at", "expires_at", "max_uses", "uses_left",
                                            "used_count", "fail_count", "revoked_at", "revoked_reason"])
                #expect(state["tenant"] as? String == "acme" && state["username"] as? String == "alice" && state["template_id"] as? String == "lost-phone")
                #expect(state["status"] as? String == "active" && state["max_uses"] as? Int == 3 && state["uses_left"] as? Int == 3)
                #expect(isRFC3339(state["issued_at"]) && isRFC3339(state["expires_at"]))
                #expect(state["revoked_at"] is NSNull && state["revoked_reason"] is NSNull)
                #expect(!String(buffer: r.body).contains(issued.code.replacingOccurrences(of: " ", with: "")))

                let revoked = try jsonObject(try await client.send(.delete, Self.uri, key: fx.adminKey))
                #expect(revoked["status"] as? String == "revoked" && revoked["revoked_reason"] as? String == "revoked by an administrator")
                #expect(isRFC3339(revoked["revoked_at"]))
                #expect(try await client.validate(issued.code, key: fx.validateKey) == "reject")
                // Revoking again changes nothing and is still 200.
                let again = try await client.send(.delete, Self.uri, key: fx.adminKey)
                let againAt = try jsonObject(again)["revoked_at"] as? String
                #expect(again.status == .ok && againAt == revoked["revoked_at"] as? String)
                let put = try await client.send(.put, Self.uri, key: fx.adminKey, json: [:])
                #expect(put.status == .methodNotAllowed)
            }
            let revokes = try await Self.events(fx).filter { $0.event == "emergency_code.revoke" }
            #expect(revokes.count == 1 && revokes[0].actor.hasPrefix("apikey:") && revokes[0].subject == "alice")
        }
    }

    @Test func expiryAndExpiredTemplates() async throws {
        try await Fixture.with { fx in
            try await fx.seedAlice()
            let issued = try await Self.issue(fx)
            try await fx.app().test(.router) { client async throws in
                fx.clock.advance(seconds: 3 * 86_400)
                #expect(try await client.validate(issued.code, key: fx.validateKey) == "reject")
                #expect(try jsonObject(try await client.send(.get, Self.uri, key: fx.adminKey))["status"] as? String == "expired")
            }
            var past = Self.template()
            past.validUntil = fx.clock.now().addingTimeInterval(-1)
            await #expect { try await Self.issue(fx, template: past) } throws: { ($0 as? LifelineError)?.code == .actionUnavailable }
            var weak = Self.template()
            weak.length = 8
            await #expect { try await Self.issue(fx, template: weak) } throws: { ($0 as? LifelineError)?.code == .configuration }
        }
    }

    /// The YAML of docs/emergency-codes.md (with the methods it needs), through `tenant apply`'s parser, and the admin
    /// API's JSON round trip of a template with `valid_until`.
    @Test func templatesInYAMLAndJSON() async throws {
        let yaml = """
        tenant: acme
        recovery:
          methods: [{ id: sms, type: sms }, { id: authenticator, type: totp }]
          flows:
            - id: sms-totp
              names: { en: "Text message and authenticator app" }
              steps: [sms, authenticator]
              actions: [emergency-code]
              emergency_template: conference
          emergency_code_templates:
            - id: lost-phone
              names: { en: "Lost phone", cs: "Ztracený telefon" }
              length: 10
              alphabet: digits
              max_uses: 5
              valid_for: 259200
            - id: conference
              names: { en: "Conference week" }
              alphabet: alphanumeric
              length: 8
              max_uses: 20
              valid_until: 2027-03-20T18:00:00Z
        """
        let file = try TenantFile.parse(yaml)
        let templates = file.recovery.emergencyCodeTemplates
        #expect(templates.map(\.id) == ["lost-phone", "conference"])
        #expect(templates[1].validUntil == ISO8601DateFormatter().date(from: "2027-03-20T18:00:00Z"))
        #expect(file.recovery.emergencyTemplate(for: file.recovery.flows[0])?.id == "conference")
        #expect(throws: LifelineError.self) { try TenantFile.parse(yaml.replacingOccurrences(of: "length: 8", with: "length: 6")) }
        #expect(throws: LifelineError.self) { try TenantFile.parse(yaml.replacingOccurrences(of: "emergency_template: conference", with: "emergency_template: nope")) }

        try await Fixture.with { fx in
            try await fx.tenant()
            try await fx.app().test(.router) { client async throws in
                let uri = "/api/v1/admin/tenants/acme/recovery"
                #expect(try await client.send(.put, uri, key: fx.adminKey, json: [
                    "methods": [["id": "sms", "type": "sms"], ["id": "totp", "type": "totp"]],
                    "flows": [["id": "f", "names": ["en": "F"], "steps": ["sms", "totp"], "actions": ["emergency-code"]]],
                    "emergency_code_templates": [["id": "t", "names": ["en": "T"], "max_uses": 2, "valid_until": "2027-03-20T18:00:00Z"]],
                ]).status == .ok)
                let got = try await client.send(.get, uri, key: fx.adminKey)
                let template = try #require((try jsonObject(got)["emergency_code_templates"] as? [[String: Any]])?.first)
                #expect(template["valid_until"] as? String == "2027-03-20T18:00:00Z" && template["length"] as? Int == 10)
                // What GET shows can be PUT back unchanged.
                let again = try await client.send(.put, uri, key: fx.adminKey, body: String(buffer: got.body))
                #expect(try jsonObject(again)["changed"] as? Bool == false)
                let bad = try await client.send(.put, uri, key: fx.adminKey, json: [
                    "methods": [["id": "sms", "type": "sms"], ["id": "totp", "type": "totp"]],
                    "flows": [["id": "f", "names": ["en": "F"], "steps": ["sms", "totp"], "actions": ["emergency-code"]]],
                ])
                try expectError(bad, .badRequest, "invalid_request")
            }
        }
    }

    @Test func contactsAndTokensChangedByAnAdminRevokeTheCode() async throws {
        try await Fixture.with { fx in
            let tokenID = try await fx.seedAlice()
            try await fx.app().test(.router) { client async throws in
                func reason() async throws -> String? {
                    let s = try jsonObject(try await client.send(.get, Self.uri, key: fx.adminKey))
                    return s["status"] as? String == "revoked" ? s["revoked_reason"] as? String : s["status"] as? String
                }
                _ = try await Self.issue(fx)
                _ = try await client.send(.post, "/api/v1/admin/tenants/acme/users/alice/contacts", key: fx.adminKey,
                                          json: ["kind": "phone", "value": "+420777123789", "verified": true])
                #expect(try await reason() == "contact added")

                _ = try await Self.issue(fx)
                _ = try await client.send(.post, "/api/v1/admin/tenants/acme/users/alice/tokens", key: fx.adminKey, json: ["type": "totp"])
                #expect(try await reason() == "token enrolled")

                let token = "/api/v1/admin/tenants/acme/tokens/\(tokenID.uuidString.lowercased())"
                _ = try await Self.issue(fx)
                _ = try await client.send(.post, token + "/disable", key: fx.adminKey)
                #expect(try await reason() == "active", "disabling a token leaves the code")
                _ = try await client.send(.post, token + "/enable", key: fx.adminKey)
                #expect(try await reason() == "token activated")

                _ = try await Self.issue(fx)
                _ = try await client.send(.post, token + "/reset", key: fx.adminKey)
                #expect(try await reason() == "token activated")
            }
            let revokes = try await Self.events(fx).filter { $0.event == "emergency_code.revoke" }
            #expect(revokes.map(\.reason) == ["contact added", "token enrolled", "token activated", "token activated"])
            #expect(revokes.allSatisfy { $0.subject == "alice" && $0.actor.hasPrefix("apikey:") })
        }
    }
}
