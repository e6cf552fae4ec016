import Foundation
import HummingbirdTesting
import LifelineApp
import LifelineCore
import Testing

/// The recovery actions through the public flow API, on the built-in directory.
@Suite("Recovery actions (API)")
struct RecoveryActionTests {
    func directory(_ fx: Fixture) async throws -> BuiltinDirectory {
        let tenant = try #require(try await fx.runtime.store.tenant(named: "demo"))
        return BuiltinDirectory(tenantID: tenant.id, storage: fx.runtime.store, random: fx.runtime.random, clock: fx.runtime.clock)
    }

    func messages(_ fx: Fixture, to recipient: String) async throws -> [String] {
        var out: [String] = []
        for m in try await fx.runtime.store.recentMessages(limit: 100) where m.recipient == recipient && m.status == .pending {
            out.append(String(decoding: try await fx.runtime.vault.open(try #require(m.body), context: m.sealContext), as: UTF8.self))
        }
        return out
    }

    @Test("reset password: rules and confirmation checked first (grant kept), then the directory; notified, audited, once")
    func resetPassword() async throws {
        try await Fixture.with { fx in
            try await fx.seedRecovery()
            let dir = try await directory(fx)
            let alice = try #require(try await dir.account(username: "alice"))
            try await dir.resetPassword(alice, newPassword: "old horse battery staple")
            try await fx.app().test(.router) { client in
                let flow = try await client.verifiedFlow(fx)
                #expect(availability(flow)["reset-password"] == true)
                // Missing, different, short, containing the username, common: 400 with each rule, nothing used.
                var r = try await client.act(flow, "reset-password")
                try expectError(r, .badRequest, "invalid_request")
                #expect(problemIDs(r) == ["password.required"])
                r = try await client.act(flow, "reset-password", ["password": "correct horse battery", "confirmation": "correct horse batterx"])
                #expect(problemIDs(r) == ["password.mismatch"])
                r = try await client.act(flow, "reset-password", ["password": "alice1", "confirmation": "alice1"])
                #expect(problemIDs(r) == ["password.too_short", "password.contains_username"])
                r = try await client.act(flow, "reset-password", ["password": "Password12345!", "confirmation": "Password12345!"])
                #expect(problemIDs(r) == ["password.common"])
                let body = try jsonObject(r)
                #expect((body["problems"] as? [[String: Any]])?.first?["text"] as? String == "This password is too common or too easy to guess. Choose another one.")
                // The directory refuses the current password (history): the grant is given back.
                r = try await client.act(flow, "reset-password", ["password": "old horse battery staple", "confirmation": "old horse battery staple"])
                try expectError(r, .badRequest, "invalid_request")
                #expect(problemIDs(r) == ["directory.password_in_history"])
                #expect(try await dir.verify(username: "alice", password: "old horse battery staple"))

                let ok = try await client.act(flow, "reset-password", ["password": "correct horse battery", "confirmation": "correct horse battery"])
                #expect(ok.status == .ok)
                #expect(try jsonObject(ok)["result"] as? String == "password_reset")
                #expect(String(buffer: ok.body) == #"{"result":"password_reset"}"#)
                #expect(try await dir.verify(username: "alice", password: "correct horse battery"))
                #expect(try await !dir.verify(username: "alice", password: "old horse battery staple"))
                // Used once.
                try expectError(try await client.act(flow, "reset-password", ["password": "another horse battery", "confirmation": "another horse battery"]),
                                .conflict, "action_unavailable")
                #expect(try await dir.verify(username: "alice", password: "correct horse battery"))
                let doc = try jsonObject(try await client.send(.get, "/api/v1/recovery/flows/\(try #require(flow["id"] as? String))"))
                #expect(messageIDs(doc) == ["notice.password_reset"])
                #expect(availability(doc)["reset-password"] == false)
            }
            // Every verified contact is told, with what to do if it was not them.
            #expect(try await messages(fx, to: "+420777123789").contains { $0.contains("Reset my password") && $0.contains("helpdesk") })
            #expect(try await messages(fx, to: "alice@demo.example").contains { $0.contains("password of your account was just changed") })
            let events = try await fx.runtime.store.recentEvents(tenant: "demo", limit: 100).map { "\($0.record.event):\($0.record.outcome)" }
            for e in ["recovery.reset-password:refused", "recovery.reset-password:attempt", "recovery.reset-password:success"] {
                #expect(events.contains(e), "missing audit event \(e)")
            }
        }
    }

    @Test("of 20 concurrent resets on one grant exactly one succeeds")
    func concurrentReset() async throws {
        try await Fixture.with { fx in
            try await fx.seedRecovery()
            try await fx.app().test(.router) { client in
                let flow = try await client.verifiedFlow(fx)
                let id = try #require(flow["id"] as? String)
                let statuses = try await withThrowingTaskGroup(of: Int.self) { group in
                    for i in 0..<20 {
                        group.addTask {
                            let pw = "concurrent horse \(i) battery"
                            return try await client.send(.post, "/api/v1/recovery/flows/\(id)/actions/reset-password",
                                                         json: ["password": pw, "confirmation": pw]).status.code
                        }
                    }
                    return try await group.reduce(into: [Int]()) { $0.append($1) }
                }
                #expect(statuses.filter { $0 == 200 }.count == 1, "\(statuses)")
                #expect(statuses.allSatisfy { $0 == 200 || $0 == 409 }, "\(statuses)")
            }
        }
    }

    @Test("unlock is offered only for a locked account, clears the lock, and is used once")
    func unlockAccount() async throws {
        try await Fixture.with { fx in
            try await fx.seedRecovery()
            try await fx.app().test(.router) { client in
                var flow = try await client.verifiedFlow(fx)
                #expect(availability(flow)["unlock-account"] == false)
                let notLocked = try await client.act(flow, "unlock-account")
                try expectError(notLocked, .conflict, "action_unavailable")
                #expect(problemIDs(notLocked) == ["action.not_locked"])

                let tenant = try #require(try await fx.runtime.store.tenant(named: "demo"))
                let user = try #require(try await fx.runtime.store.user(tenantID: tenant.id, username: "alice"))
                try await fx.runtime.store.setDirectoryLock(userID: user.id, lockedAt: fx.clock.now())
                let id = try #require(flow["id"] as? String)
                flow = try jsonObject(try await client.send(.get, "/api/v1/recovery/flows/\(id)"))
                #expect(availability(flow)["unlock-account"] == true)
                let ok = try await client.act(flow, "unlock-account")
                #expect(ok.status == .ok)
                #expect(try jsonObject(ok)["result"] as? String == "unlocked")
                #expect(String(buffer: ok.body) == #"{"result":"unlocked"}"#)
                #expect(try await fx.runtime.store.directoryAccount(userID: user.id)?.lockedAt == nil)
                try await fx.runtime.store.setDirectoryLock(userID: user.id, lockedAt: fx.clock.now())
                try expectError(try await client.act(flow, "unlock-account"), .conflict, "action_unavailable")
                #expect(try await fx.runtime.store.directoryAccount(userID: user.id)?.lockedAt != nil)
            }
            #expect(try await messages(fx, to: "alice@demo.example").contains { $0.contains("your account was just unlocked") })
        }
    }

    @Test("a grant is for its own action only, and not for a user disabled after verifying")
    func grantScope() async throws {
        try await Fixture.with { fx in
            try await fx.seedRecovery()
            try await fx.app().test(.router) { client in
                // email-questions unlocks unlock-account and selfservice only.
                var flow = try await client.startFlow("alice")
                flow = try await client.step(flow, ["flow": "email-questions"])
                flow = try await client.step(flow, ["contact": "0", "address": "alice@demo.example"])
                flow = try await client.step(flow, ["code": try await fx.sentCode(to: "alice@demo.example")])
                let fields = try #require(flow["fields"] as? [[String: Any]]).compactMap { $0["name"] as? String }
                let answers = ["answer.pet": "Rex", "answer.city": "Brno", "answer.teacher": "Novak", "answer.school": "Masaryk", "answer.street": "Husova"]
                flow = try await client.step(flow, answers.filter { fields.contains($0.key) })
                #expect(state(flow) == "verified")
                try expectError(try await client.act(flow, "reset-password", ["password": "correct horse battery", "confirmation": "correct horse battery"]),
                                .conflict, "action_unavailable")

                let other = try await client.verifiedFlow(fx)
                _ = try await fx.runtime.admin.updateUser(tenantName: "demo", username: "alice", displayName: nil, status: .disabled, language: nil, caller: fx.caller)
                try expectError(try await client.act(other, "reset-password", ["password": "correct horse battery", "confirmation": "correct horse battery"]),
                                .conflict, "action_unavailable")
            }
        }
    }
}
