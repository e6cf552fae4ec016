import Foundation
import LifelineAuthenticatorKit
import LifelineCore
import LifelineTestStore
import Testing

/// "PIN codes are blocked after 3 failed PIN attempts or are blocked from Manager" (seed 002), over two organizations.
@Suite("Authenticator: the PIN and its block")
struct AuthenticatorPINTests {
    let t: AuthenticatorHarness
    init() throws { t = try AuthenticatorHarness() }

    /// An app activated at demo and other.
    func twoOrganizations() async throws -> TestApp {
        try await t.seed()
        let app = TestApp(t.service)
        try await app.activate(try await t.activationCode())
        try await app.activate(try await t.activationCode("other"))
        return app
    }

    func failures(_ app: TestApp) async throws -> Int? {
        try await t.h.store.authenticatorDevice(id: UUID(uuidString: app.deviceID!)!)?.pinFailures
    }

    @Test("3 wrong PINs block the PIN: every organization, and a correct PIN then gets no code")
    func threeWrong() async throws {
        let app = try await twoOrganizations()
        #expect(try await app.code(pin: "1357").attemptsLeft == 2)
        #expect(try await app.code("other", pin: "1357").attemptsLeft == 1)
        let third = try await app.code(pin: "1357")
        #expect(third.result == .pinBlocked && third.pinBlocked)
        #expect(TestApp.state(third, "demo") == "blocked" && TestApp.state(third, "other") == "blocked")
        let correct = try await app.code()
        #expect(correct.result == .pinBlocked && correct.code == nil)
        #expect(try await failures(app) == 3)
        #expect(t.trail().filter { $0 == "authenticator.pin_blocked success" }.count == 2)
        #expect(try await t.service.userState(tenantName: "demo", username: "alice", caller: t.op()).pinBlocked)
    }

    @Test("a correct PIN resets the count")
    func correctResets() async throws {
        let app = try await twoOrganizations()
        _ = try await app.code(pin: "1357")
        _ = try await app.code(pin: "1357")
        #expect(try await app.code().result == .ok)
        #expect(try await failures(app) == 0)
        #expect(try await app.code(pin: "1357").attemptsLeft == 2)
    }

    @Test("10 racing wrong PINs count exactly 3 and leave the PIN blocked")
    func racingWrong() async throws {
        let app = try await twoOrganizations()
        // Challenges first, so that the racers meet at the PIN check.
        var challenges: [String] = []
        for _ in 0..<10 { challenges.append(try await app.challenge()) }
        let results = await withTaskGroup(of: AuthenticatorWire.Result?.self) { group in
            for c in challenges { group.addTask { try? await app.code(pin: "1357", challenge: c).result } }
            return await group.reduce(into: [AuthenticatorWire.Result?]()) { $0.append($1) }
        }
        #expect(results.filter { $0 == .wrongPIN }.count == 2)
        #expect(try await failures(app) == 3)
        #expect(t.trail().filter { $0 == "authenticator.pin_wrong failure" }.count == 3)
        #expect(try await app.status().pinBlocked)
    }

    @Test("a correct PIN racing 10 wrong ones does not undo the block")
    func correctAmongRacers() async throws {
        for _ in 0..<5 {
            let t = try AuthenticatorHarness()
            try await t.seed()
            let app = TestApp(t.service)
            try await app.activate(try await t.activationCode())
            var challenges: [String] = []
            for _ in 0..<11 { challenges.append(try await app.challenge()) }
            await withTaskGroup(of: Void.self) { group in
                for (i, c) in challenges.enumerated() {
                    group.addTask { _ = try? await app.code(pin: i == 5 ? app.pin : "1357", challenge: c) }
                }
            }
            let status = try await app.status()
            #expect(status.pinBlocked && TestApp.state(status, "demo") == "blocked")
            #expect(try await t.h.store.authenticatorDevice(id: UUID(uuidString: app.deviceID!)!)?.pinFailures == 3)
        }
    }

    @Test("a correct PIN read before a block and written after it neither gets a code nor resets the count")
    func correctAfterBlockIsRefusedByTheStore() async throws {
        let app = try await twoOrganizations()
        let deviceID = UUID(uuidString: app.deviceID!)!
        let tenantID = try await t.h.admin.tenant("demo", caller: .cli).id
        let userID = try await t.h.admin.user(tenantName: "demo", username: "alice", caller: .cli).1.id
        // What the correct request read: an active link.
        let seen = try #require(try await t.h.store.currentAuthenticator(tenantID: tenantID, userID: userID))
        #expect(seen.link.state == .active)
        for _ in 0..<3 { _ = try await app.code(pin: "1357") }
        let now = t.h.clock.now()
        let record = AuditRecord(time: now, tenant: "demo", actor: "device", subject: "alice", event: "authenticator.online_code", outcome: "success")
        let issued = try await t.h.store.issueOnlineCode(AuthenticatorOnlineCode(linkID: seen.link.id, codeHash: "x", expiresAt: now + 120),
                                                         deviceID: deviceID, maxPINFailures: 3, now: now, audit: record)
        #expect(!issued)
        #expect(try await !t.h.store.consumeOfflineStep(linkID: seen.link.id, step: 1, maxPINFailures: 3, now: now, audit: record))
        #expect(try await failures(app) == 3)
        #expect(try await app.status().pinBlocked)
    }

    @Test("Block PIN at one organization blocks that one only; the app says which")
    func operatorBlock() async throws {
        let app = try await twoOrganizations()
        let result = try await t.helpdesk(.pinBlock)
        #expect(result.summary.contains("blocked"))
        #expect(try await app.code().result == .organizationBlocked)
        #expect(try await app.code("other").result == .ok)
        let status = try await app.status()
        #expect(TestApp.state(status, "demo") == "blocked" && TestApp.state(status, "other") == "active" && !status.pinBlocked)
        #expect(t.trail().contains("authenticator.pin_block success") && t.trail().contains("helpdesk.pin_block success"))
        // Blocking the other organization too: every organization blocked means the PIN is blocked.
        try await t.helpdesk(.pinBlock, "other")
        #expect(try await app.status().pinBlocked)
        // Already blocked: refused.
        await #expect(throws: LifelineError.self) { try await t.helpdesk(.pinBlock) }
    }

    @Test("the blocked state does not depend on whether the user is active or disabled")
    func blockIndependentOfUserStatus() async throws {
        let app = try await twoOrganizations()
        try await t.helpdesk(.pinBlock)
        var alice = try #require(try await t.h.store.user(tenantID: try await t.h.admin.tenant("demo", caller: .cli).id, username: "alice"))
        alice.status = .disabled
        try await t.h.store.updateUser(alice, audit: AuditRecord(time: Date(), tenant: "demo", actor: "cli", subject: "alice", event: "user.update", outcome: "success"))
        #expect(try await t.service.userState(tenantName: "demo", username: "alice", caller: t.op()).blocked)
        #expect(try await app.code().result == .organizationBlocked)
    }
}
