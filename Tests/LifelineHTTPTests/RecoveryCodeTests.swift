import Foundation
import HummingbirdTesting
import LifelineApp
import LifelineCore
import NIOCore
import Testing

/// Saved recovery codes through the API: the admin routes, validation in place of the OTP (with and without the
/// separators, once each), the throttling of guesses, the notices and the audit.
@Suite("Recovery codes (API)")
struct RecoveryCodeTests {
    static let uri = "/api/v1/admin/tenants/acme/users/alice/recovery-codes"

    static func events(_ fx: Fixture) async throws -> [AuditRecord] {
        try await fx.runtime.store.recentEvents(tenant: "acme", limit: 500).reversed().map(\.record)
    }

    static func issue(_ client: some TestClientProtocol, _ fx: Fixture) async throws -> [String] {
        let r = try await client.send(.post, Self.uri, key: fx.adminKey)
        #expect(r.status == .created)
        return try #require(try jsonObject(r)["codes"] as? [String])
    }

    static func alice(_ fx: Fixture) async throws -> User {
        try await fx.runtime.admin.user(tenantName: "acme", username: "alice", caller: .cli).1
    }

    @Test func issuedCodesAreAcceptedOnceWithOrWithoutSeparators() async throws {
        try await Fixture.with { fx in
            try await fx.seedAlice()
            try await fx.app().test(.router) { client async throws in
                let codes = try await Self.issue(client, fx)
                #expect(codes.count == 10)
                #expect(codes.allSatisfy { $0.count == 19 && $0.split(separator: "-").count == 4 }, "\(codes)")
                #expect(Set(codes).count == 10)
                #expect(try await client.validate(codes[0], key: fx.validateKey) == "accept")
                #expect(try await client.validate(codes[0], key: fx.validateKey) == "reject", "a code is accepted once")
                let plain = codes[1].replacingOccurrences(of: "-", with: "").lowercased()
                #expect(try await client.validate(plain, key: fx.validateKey) == "accept")
                #expect(try await client.validate(codes[1], key: fx.validateKey) == "reject")
                // The OTP still works beside them.
                #expect(try await client.validate(fx.totp(), key: fx.validateKey) == "accept")
                let state = try jsonObject(try await client.send(.get, Self.uri, key: fx.adminKey))
                #expect(state["remaining"] as? Int == 8 && state["total"] as? Int == 10 && state["status"] as? String == "active")
            }
            let events = try await Self.events(fx)
            #expect(events.filter { $0.reason.hasPrefix("recovery code (") }.map(\.reason) == ["recovery code (9 left)", "recovery code (8 left)"])
            #expect(events.filter { $0.reason == "recovery code already used" }.count == 2, "a used code is refused, not counted")
            #expect(events.contains { $0.event == "recovery_codes.issue" && $0.actor.hasPrefix("apikey:") })
            // No code is in an audit record, nor stored in the clear.
            let set = try #require(try await fx.runtime.store.recoveryCodeSet(userID: try await Self.alice(fx).id))
            #expect(set.failCount == 0)
        }
    }

    @Test func aNewSetInvalidatesTheOldAndRevokingStopsEveryCode() async throws {
        try await Fixture.with { fx in
            try await fx.seedAlice()
            try await fx.app().test(.router) { client async throws in
                let old = try await Self.issue(client, fx)
                let new = try await Self.issue(client, fx)
                #expect(try await client.validate(old[0], key: fx.validateKey) == "reject")
                #expect(try await client.validate(new[0], key: fx.validateKey) == "accept")
                let revoked = try jsonObject(try await client.send(.delete, Self.uri, key: fx.adminKey))
                #expect(revoked["status"] as? String == "revoked" && revoked["remaining"] as? Int == 0)
                #expect(revoked["revoked_reason"] as? String == "revoked by an administrator")
                #expect(try await client.validate(new[1], key: fx.validateKey) == "reject")
                let r = try await client.send(.get, "/api/v1/admin/tenants/acme/users/alice/recovery-codes", key: fx.adminKey)
                #expect(try jsonObject(r)["remaining"] as? Int == 0)
                // A user without codes: 404 on GET and DELETE.
                try await fx.user("bob")
                try expectError(try await client.send(.get, "/api/v1/admin/tenants/acme/users/bob/recovery-codes", key: fx.adminKey), .notFound, "not_found")
            }
            let events = try await Self.events(fx).map { "\($0.event) \($0.reason)" }
            #expect(events.contains("recovery_codes.revoke replaced by a new set"))
            #expect(events.contains("recovery_codes.revoke revoked by an administrator"))
        }
    }

    @Test func wrongCodesCountOnTheSetAndNeverOnTheTokens() async throws {
        try await Fixture.with { fx in
            try await fx.seedAlice()
            try await fx.app().test(.router) { client async throws in
                let codes = try await Self.issue(client, fx)
                // A wrong code of the right shape (same lookup as a real one, other secret, and one with no such lookup).
                let wrong = String(codes[0].prefix(3)) + "Z-ZZZZ-ZZZZ-ZZZZ"
                #expect(try await client.validate(wrong, key: fx.validateKey) == "reject")
                #expect(try await client.validate("ZZZZ-ZZZZ-ZZZZ-ZZZZ", key: fx.validateKey) == "reject")
                // A wrong OTP counts on the token, not on the codes.
                #expect(try await client.validate(fx.wrongCode(), key: fx.validateKey) == "reject")
            }
            let set = try #require(try await fx.runtime.store.recoveryCodeSet(userID: try await Self.alice(fx).id))
            #expect(set.failCount == 2)
            let token = try #require(try await fx.runtime.admin.listTokens(tenantName: "acme", username: "alice", caller: .cli).1.first)
            #expect(token.failCount == 1)
        }
    }

    @Test func issuingAndUsingSendANoticeToTheVerifiedContacts() async throws {
        try await Fixture.with { fx in
            try await fx.seedAlice()
            _ = try await fx.runtime.admin.addContact(tenantName: "acme", username: "alice", kind: .phone, value: "+420777123789", verified: true, caller: .cli)
            _ = try await fx.runtime.admin.addContact(tenantName: "acme", username: "alice", kind: .email, value: "alice@example.com", verified: true, caller: .cli)
            _ = try await fx.runtime.admin.addContact(tenantName: "acme", username: "alice", kind: .email, value: "old@example.com", verified: false, caller: .cli)
            try await fx.app().test(.router) { client async throws in
                let codes = try await Self.issue(client, fx)
                #expect(try await fx.runtime.store.recentMessages(limit: 50).count == 2, "a notice per verified contact")
                #expect(try await client.validate(codes[3], key: fx.validateKey) == "accept")
            }
            let messages = try await fx.runtime.store.recentMessages(limit: 50)
            #expect(messages.count == 4)
            #expect(Set(messages.map(\.recipient)) == ["+420777123789", "alice@example.com"])
            #expect(messages.contains { $0.subject == "ACME: a recovery code was used" })
            #expect(messages.contains { $0.subject == "ACME: new recovery codes" })
        }
    }

    @Test func theNoticeIsInTheUsersLanguage() async throws {
        try await Fixture.with { fx in
            try await fx.tenant()
            var new = AdminService.NewUser(username: "kari")
            new.language = "nb-NO"
            _ = try await fx.runtime.admin.createUser(tenantName: "acme", new, caller: .cli)
            _ = try await fx.runtime.admin.addContact(tenantName: "acme", username: "kari", kind: .email, value: "kari@example.com", verified: true, caller: .cli)
            _ = try await fx.runtime.admin.issueRecoveryCodes(tenantName: "acme", username: "kari", caller: .cli)
            let messages = try await fx.runtime.store.recentMessages(limit: 10)
            #expect(messages.map(\.subject) == ["ACME: nye gjenopprettingskoder"])
        }
    }

    @Test func aTenantKeyCannotIssueForAnotherTenant() async throws {
        try await Fixture.with { fx in
            try await fx.seedAlice()
            try await fx.tenant("other")
            let otherKey = try await fx.key(.admin, tenant: "other")
            try await fx.app().test(.router) { client async throws in
                let r = try await client.send(.post, Self.uri, key: otherKey)
                #expect(r.status == .forbidden || r.status == .notFound)
                let v = try await client.send(.post, Self.uri, key: fx.validateKey)
                #expect(v.status == .forbidden || v.status == .unauthorized)
            }
            #expect(try await fx.runtime.store.recoveryCodeSet(userID: try await Self.alice(fx).id) == nil)
        }
    }

    @Test func manyParallelValidationsOfOneCodeAcceptItOnce() async throws {
        try await Fixture.with { fx in
            try await fx.seedAlice()
            let codes = try await fx.runtime.admin.issueRecoveryCodes(tenantName: "acme", username: "alice", caller: .cli).1
            let validation = fx.runtime.validation
            let accepts = try await withThrowingTaskGroup(of: Bool.self) { group in
                for i in 0..<30 {
                    let typed = i % 2 == 0 ? codes[2] : codes[2].replacingOccurrences(of: "-", with: "")
                    group.addTask {
                        try await validation.validate(tenantName: "acme", username: "alice", code: typed, caller: Caller(actor: "apikey:t", scope: .validate))
                    }
                }
                var n = 0
                for try await ok in group where ok { n += 1 }
                return n
            }
            #expect(accepts == 1)
            #expect(try await fx.runtime.store.recoveryCodeSet(userID: try await Self.alice(fx).id)?.remaining == 9)
        }
    }
}
