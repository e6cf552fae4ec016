import Foundation
import LifelineAuthenticatorKit
import LifelineCore
import LifelineTestStore
import Testing

@Suite("Offline: agents and the agent role")
struct OfflineAgentTests {
    @Test func registerListRevoke() async throws {
        let t = try OfflineHarness()
        try await t.seed()
        let (registered, principal) = try await t.agent("laptops")
        #expect(registered.key.hasPrefix("ll_"))
        #expect(principal.roles == [.agent])
        #expect(try await t.service.agents(tenantName: "demo", caller: t.op(.auditor)).map(\.name) == ["laptops"])
        // The same name again (any case) while live: conflict.
        await #expect(throws: LifelineError.self) { _ = try await t.service.registerAgent(tenantName: "demo", name: "LAPTOPS", caller: .cli) }
        await #expect(throws: LifelineError.self) { _ = try await t.service.registerAgent(tenantName: "demo", name: "  ", caller: .cli) }
        try await t.service.revokeAgent(tenantName: "demo", agentID: registered.agent.id, caller: .cli)
        #expect(try await t.service.agents(tenantName: "demo", caller: .cli).first?.revokedAt != nil)
        // Its key is revoked with it.
        #expect(try await t.h.admin.authenticate(presentedKey: registered.key, source: "x") == nil)
        // A revoked agent's principal (a cached key) is refused.
        await #expect(throws: LifelineError.self) { _ = try await t.authenticate(principal, t.h.totp()) }
        #expect(t.trail().contains("agent.register success"))
        #expect(t.trail().contains("agent.revoke success"))
        // A helpdesk operator may not register or revoke agents.
        await #expect(throws: LifelineError.self) { _ = try await t.service.registerAgent(tenantName: "demo", name: "x", caller: t.op()) }
    }

    @Test func agentRoleIsRefusedElsewhereAndOthersAreRefusedTheAgentAPI() async throws {
        let t = try OfflineHarness()
        try await t.seed()
        let (_, agent) = try await t.agent()
        await #expect(throws: LifelineError.self) { _ = try await t.h.admin.listTenants(caller: agent) }
        await #expect(throws: LifelineError.self) {
            _ = try await t.h.validation.validate(tenantName: "demo", username: "alice", code: t.h.totp(), caller: agent)
        }
        // No plain API key of role agent, even for a global administrator.
        await #expect(throws: LifelineError.self) { _ = try await t.h.admin.createAPIKey(role: .agent, tenantName: "demo", name: "x", caller: .cli) }
        // Neither a validate key nor an administrator may use the agent API.
        for caller in [t.validator, Principal.cli, t.op(.superuser)] {
            await #expect(throws: LifelineError.self) { _ = try await t.authenticate(caller, t.h.totp()) }
        }
    }

    @Test func rejectIsTheSameForAnUnknownUserAndAWrongPasscode() async throws {
        let t = try OfflineHarness()
        try await t.seed()
        let (_, agent) = try await t.agent()
        let wrong = try await t.authenticate(agent, t.h.wrongCode())
        let unknown = try await t.authenticate(agent, t.h.totp(), user: "nobody")
        #expect(wrong == OfflineWire.AuthenticateResponse(result: "reject"))
        #expect(unknown == wrong)
        #expect(t.trail().filter { $0 == "agent.authenticate reject" }.count == 2)
        // Malformed input is a 400 before any lookup.
        await #expect(throws: LifelineError.self) { _ = try await t.authenticate(agent, "123456", machine: "") }
        await #expect(throws: LifelineError.self) { _ = try await t.authenticate(agent, "") }
    }

    @Test func groupsAreValidatedMergedAndAudited() async throws {
        let t = try OfflineHarness()
        try await t.seed()
        #expect(try await t.service.setGroups(tenantName: "demo", username: "alice", groups: ["Laptop", "laptop", "vpn"], caller: .cli) == ["Laptop", "vpn"])
        #expect(try await t.service.groups(tenantName: "demo", username: "alice", caller: .cli) == ["Laptop", "vpn"])
        await #expect(throws: LifelineError.self) {
            _ = try await t.service.setGroups(tenantName: "demo", username: "alice", groups: [" bad"], caller: .cli)
        }
        #expect(t.trail().contains("user.groups success"))
    }
}
