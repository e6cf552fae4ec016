import Foundation
import HummingbirdTesting
import LifelineCore
import Testing

/// The console's offline pages (issue 17): Agents (register with the key once, revoke after a confirmation), the user
/// page's offline section, and a token's "Manage emergency access tokencodes".
@Suite("Console: offline")
struct ConsoleOfflineTests {
    static let agents = "/console/agents/acme"

    /// Logs `op` in and re-authenticates (the sensitive pages ask for it).
    static func reauthenticated(_ client: some TestClientProtocol, _ op: ConsoleOperator, fx: Fixture) async throws -> Browser {
        var b = Browser(client)
        try await b.consoleLogin(op, fx: fx)
        _ = try await b.submit(try await b.get("/console/reauth?next=/console"), action: "/console/reauth", ["code": fx.freshCode(op)])
        return b
    }

    @Test("Agents: the nav entry and list by permission; the register form only for agents.manage")
    func agentsByRole() async throws {
        try await Fixture.with { fx in
            try await fx.seedAlice()
            _ = try await fx.agent("laptop-listed")
            let admin = try await fx.consoleOperator("ta", role: .tenantAdmin)
            let aud = try await fx.consoleOperator("aud", role: .auditor)
            try await fx.app().test(.router) { client in
                var a = Browser(client)
                try await a.consoleLogin(admin, fx: fx)
                let page = html(try await a.get(Self.agents))
                #expect(page.contains("laptop-listed") && page.contains("id=\"agent-register\"") && page.contains("class=\"agent-revoke\""))
                #expect(html(try await a.get("/console")).contains("href=\"/console/agents\""))
                var b = Browser(client)
                try await b.consoleLogin(aud, fx: fx)
                let audited = html(try await b.get(Self.agents))
                #expect(audited.contains("laptop-listed") && !audited.contains("id=\"agent-register\"") && !audited.contains("agent-revoke"))
                let refused = try await b.post(Self.agents, try b.hiddenFields(try await b.get(Self.agents), action: "/console/logout").merging(["name": "x"]) { $1 })
                #expect(refused.status == .forbidden)
            }
        }
    }

    @Test("Register agent asks for re-authentication, then shows the key once; revoke goes through a confirmation page")
    func registerAndRevoke() async throws {
        try await Fixture.with { fx in
            try await fx.seedAlice()
            let admin = try await fx.consoleOperator("ta", role: .tenantAdmin)
            try await fx.app().test(.router) { client in
                var plain = Browser(client)
                try await plain.consoleLogin(admin, fx: fx)
                let first = try await plain.submit(try await plain.get(Self.agents), action: Self.agents, ["name": "laptop-9"])
                #expect(first.status == .seeOther && first.headers[.location]?.hasPrefix("/console/reauth?next=") == true)

                var b = try await Self.reauthenticated(client, admin, fx: fx)
                let shown = try await b.submit(try await b.get(Self.agents), action: Self.agents, ["name": "laptop-9"])
                #expect(shown.status == .ok && shown.headers[.cacheControl] == "no-store")
                let key = try #require(html(shown).firstMatch(of: /id="agent-key">(ll_[A-Za-z0-9_]+)</).map { String($0.1) })
                #expect(!html(try await b.get(Self.agents)).contains(key))
                let dup = try await b.submit(try await b.get(Self.agents), action: Self.agents, ["name": "laptop-9"])
                #expect(dup.status == .conflict && html(dup).contains("id=\"agents-error\""))

                let agent = try #require(try await fx.runtime.offline.agents(tenantName: "acme", caller: .cli).first)
                let confirm = "\(Self.agents)/\(agent.id.uuidString.lowercased())/revoke"
                let page = try await b.get(confirm)
                #expect(page.status == .ok && html(page).contains("laptop-9"))
                #expect(try await fx.runtime.offline.agents(tenantName: "acme", caller: .cli).first?.revokedAt == nil, "a GET revokes nothing")
                let done = try await b.submit(page, action: confirm, [:])
                #expect(done.status == .seeOther && done.headers[.location] == Self.agents + "?a=revoked")
                #expect(try await fx.runtime.offline.agents(tenantName: "acme", caller: .cli).first?.revokedAt != nil)
                #expect(try await b.get(confirm).status == .notFound)
            }
        }
    }

    @Test("a POST without the CSRF token is refused and changes nothing")
    func csrf() async throws {
        try await Fixture.with { fx in
            try await fx.seedAlice()
            let admin = try await fx.consoleOperator("ta", role: .tenantAdmin)
            try await fx.app().test(.router) { client in
                var b = try await Self.reauthenticated(client, admin, fx: fx)
                #expect(try await b.post(Self.agents, ["name": "sneaky"]).status == .forbidden)
                #expect(try await b.post("/console/users/acme/alice/offline", ["do": "end"]).status == .forbidden)
                #expect(try await fx.runtime.offline.agents(tenantName: "acme", caller: .cli).isEmpty)
            }
        }
    }

    @Test("user page: windows with End offline data (helpdesk: no End, tenant-admin: End); groups editable for users.write")
    func userSection() async throws {
        try await Fixture.with { fx in
            try await fx.seedAlice()
            try await fx.offlinePolicy()
            let agent = try await fx.agent()
            let admin = try await fx.consoleOperator("ta", role: .tenantAdmin)
            let help = try await fx.consoleOperator("help", role: .helpdesk)
            let user = "/console/users/acme/alice"
            try await fx.app().test(.router) { client in
                #expect(try agentAnswer(try await client.send(.post, AgentAPITests.auth, key: agent.key, body: fx.agentBody(passcode: fx.totp()))).result == "accept")
                var h = Browser(client)
                try await h.consoleLogin(help, fx: fx)
                let seen = html(try await h.get(user))
                #expect(seen.contains("id=\"offline-windows\"") && seen.contains("laptop-7") && !seen.contains("id=\"offline-end\""))
                #expect(!seen.contains("id=\"offline-groups-form\""))
                var a = Browser(client)
                try await a.consoleLogin(admin, fx: fx)
                let page = try await a.get(user)
                #expect(html(page).contains("id=\"offline-end\"") && html(page).contains("id=\"offline-groups-form\""))
                let ended = try await a.submit(page, action: user + "/offline", ["do": "end"])
                #expect(ended.status == .seeOther)
                #expect(try await fx.runtime.offline.grants(tenantName: "acme", username: "alice", caller: .cli).allSatisfy { $0.state != "live" })
                let grouped = try await a.submit(try await a.get(user), action: user + "/offline", ["do": "groups", "groups": "laptops\nfinance"])
                #expect(grouped.status == .seeOther)
                #expect(Set(try await fx.runtime.offline.groups(tenantName: "acme", username: "alice", caller: .cli).map { $0.lowercased() }) == ["laptops", "finance"])
                let bad = try await a.submit(try await a.get(user), action: user + "/offline", ["do": "groups", "groups": String(repeating: "x", count: 65)])
                #expect(bad.status == .badRequest && html(bad).contains("id=\"offline-error\""))
            }
        }
    }

    @Test("Manage emergency access tokencodes: link by permission, re-authentication, codes shown, Save with online use and reset")
    func emergencyCodesPage() async throws {
        try await Fixture.with { fx in
            let token = try await fx.seedAlice()
            try await fx.offlinePolicy()
            let help = try await fx.consoleOperator("help", role: .helpdesk)
            let aud = try await fx.consoleOperator("aud", role: .auditor)
            let path = "/console/users/acme/alice/tokens/\(token.uuidString.lowercased())/offline-codes"
            try await fx.app().test(.router) { client in
                var a = Browser(client)
                try await a.consoleLogin(aud, fx: fx)
                #expect(!html(try await a.get("/console/users/acme/alice")).contains("offline-codes-link"))
                #expect(try await a.get(path).status == .forbidden)

                var plain = Browser(client)
                try await plain.consoleLogin(help, fx: fx)
                #expect(html(try await plain.get("/console/users/acme/alice")).contains("href=\"\(path)\""))
                let asked = try await plain.get(path)
                #expect(asked.status == .seeOther && asked.headers[.location]?.hasPrefix("/console/reauth?next=") == true)

                var b = try await Self.reauthenticated(client, help, fx: fx)
                let page = try await b.get(path)
                #expect(page.status == .ok && page.headers[.cacheControl] == "no-store")
                #expect(html(page).contains("id=\"offline-codes-form\"") && html(page).contains("id=\"offline-online\""))
                // Reset makes codes (none existed before a download); online use ticked.
                let saved = try await b.submit(page, action: path, ["reset": "on", "online_use": "on"])
                #expect(saved.status == .seeOther && saved.headers[.location] == path + "?saved=1")
                let view = try await fx.runtime.offline.emergencyCodes(tenantName: "acme", tokenID: token, caller: .cli)
                let passcode = try #require(view.passcode)
                #expect(view.onlineUse && !view.downloaded)
                let shown = html(try await b.get(path + "?saved=1"))
                #expect(shown.contains(passcode) && shown.contains("id=\"offline-codes-info\""))
                #expect(try await fx.runtime.validation.validate(tenantName: "acme", username: "alice", code: passcode, caller: Caller(actor: "t", scope: .validate)))
                // Save without the box: online use off; without reset the codes stay.
                _ = try await b.submit(try await b.get(path), action: path, [:])
                let off = try await fx.runtime.offline.emergencyCodes(tenantName: "acme", tokenID: token, caller: .cli)
                #expect(!off.onlineUse && off.passcode == passcode)
                _ = try await b.submit(try await b.get(path), action: path, ["reset": "on"])
                #expect(try await fx.runtime.offline.emergencyCodes(tenantName: "acme", tokenID: token, caller: .cli).passcode != passcode)
            }
        }
    }

    @Test("the policy not permitting emergency tokencodes is said on the page")
    func notPermitted() async throws {
        try await Fixture.with { fx in
            let token = try await fx.seedAlice()
            let help = try await fx.consoleOperator("help", role: .helpdesk)
            try await fx.app().test(.router) { client in
                var b = try await Self.reauthenticated(client, help, fx: fx)
                let page = try await b.get("/console/users/acme/alice/tokens/\(token.uuidString.lowercased())/offline-codes")
                #expect(page.status == .ok && html(page).contains("id=\"offline-codes-not-permitted\""))
            }
        }
    }
}
