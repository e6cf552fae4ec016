import Foundation
import HTTPTypes
import HummingbirdTesting
import LifelineCore
import Testing

/// The admin API of the console's read pages (issue 15): search, details, dashboard, audit (filters, chain, CSV),
/// the recovery configuration as YAML (check, diff, apply).
@Suite("Console admin API: search, details, dashboard, audit, settings")
struct ConsoleAPITests {
    /// acme: alice (TOTP token); other: olga with an email.
    static func seed(_ fx: Fixture) async throws -> UUID {
        let token = try await fx.seedAlice()
        try await fx.tenant("other")
        try await fx.user("olga", tenant: "other")
        _ = try await fx.runtime.admin.addContact(tenantName: "other", username: "olga", kind: .email, value: "olga@example.com", verified: true, caller: .cli)
        _ = try await fx.runtime.admin.addContact(tenantName: "acme", username: "alice", kind: .email, value: "alice@example.com", verified: false, caller: .cli)
        return token
    }

    @Test("search: a key of acme finds acme's users only; a bad or missing q is 400 with a JSON body")
    func search() async throws {
        try await Fixture.with { fx in
            try await Self.seed(fx)
            let acme = try await fx.key(.helpdesk, tenant: "acme")
            try await fx.app().test(.router) { client in
                let all = try jsonList(try await client.send(.get, "/api/v1/admin/users?q=EXAMPLE.com", key: fx.adminKey), "users")
                #expect(all.map { "\($0["tenant"] as? String ?? "")/\($0["username"] as? String ?? "")" } == ["acme/alice", "other/olga"])
                let scoped = try jsonList(try await client.send(.get, "/api/v1/admin/users?q=example.com", key: acme), "users")
                #expect(scoped.map { $0["username"] as? String } == ["alice"])
                #expect(try jsonList(try await client.send(.get, "/api/v1/admin/users?q=olga", key: acme), "users").isEmpty)
                try expectError(try await client.send(.get, "/api/v1/admin/users?q=a", key: fx.adminKey), .badRequest, "invalid_request")
                try expectError(try await client.send(.get, "/api/v1/admin/users?q=a%00b", key: fx.adminKey), .badRequest, "invalid_request")
                try expectError(try await client.send(.get, "/api/v1/admin/users", key: fx.adminKey), .badRequest, "invalid_request")
            }
        }
    }

    @Test("details: contacts with verified flags, tokens with state, events only for a role that reads the log")
    func details() async throws {
        try await Fixture.with { fx in
            let token = try await Self.seed(fx)
            try await fx.lockTokens()
            let helpdesk = try await fx.key(.helpdesk, tenant: "acme")
            try await fx.app().test(.router) { client in
                let d = try jsonObject(try await client.send(.get, "/api/v1/admin/tenants/acme/users/alice/details", key: fx.adminKey))
                #expect((d["user"] as? [String: Any])?["username"] as? String == "alice")
                let contacts = try #require(d["contacts"] as? [[String: Any]])
                #expect(contacts.map { $0["verified"] as? Bool } == [false])
                let tokens = try #require(d["tokens"] as? [[String: Any]])
                #expect(tokens.count == 1)
                #expect(tokens.first?["display_state"] as? String == "locked")
                #expect((tokens.first?["token"] as? [String: Any])?["id"] as? String == token.uuidString.lowercased())
                #expect(d["emergency_code"] is NSNull)
                #expect(d["recovery_codes"] is NSNull)
                #expect((d["cards"] as? [Any])?.isEmpty == true)
                let events = try #require(d["events"] as? [[String: Any]])
                #expect((1...20).contains(events.count), "the newest 20")
                #expect(events.allSatisfy { $0["subject"] as? String == "alice" && $0["tenant"] as? String == "acme" })
                let h = try jsonObject(try await client.send(.get, "/api/v1/admin/tenants/acme/users/alice/details", key: helpdesk))
                #expect(h["events"] is NSNull, "a helpdesk does not read the audit log")
                try expectError(try await client.send(.get, "/api/v1/admin/tenants/other/users/olga/details", key: helpdesk), .forbidden, "forbidden")
                try expectError(try await client.send(.get, "/api/v1/admin/tenants/acme/users/nobody/details", key: fx.adminKey), .notFound, "not_found")
            }
        }
    }

    @Test("dashboard: 24 hourly counts, locked tokens need attention")
    func dashboard() async throws {
        try await Fixture.with { fx in
            try await Self.seed(fx)
            try await fx.lockTokens()
            try await fx.app().test(.router) { client in
                let d = try jsonObject(try await client.send(.get, "/api/v1/admin/dashboard", key: fx.adminKey))
                #expect((d["failed_flows_per_hour"] as? [Any])?.count == 24)
                #expect((d["attention_tokens"] as? [[String: Any]])?.first?["display_state"] as? String == "locked")
                #expect((d["needs_attention"] as? [[String: Any]])?.map { $0["kind"] as? String } == ["locked_tokens"])
            }
        }
    }

    @Test("audit: filters, the chain's state, CSV by Accept or format=csv with formula cells neutralized")
    func audit() async throws {
        try await Fixture.with { fx in
            try await Self.seed(fx)
            try await fx.user("=HYPERLINK(\"http://evil\")")
            let auditor = try await fx.key(.auditor, tenant: "acme")
            try await fx.app().test(.router) { client in
                let page = try jsonObject(try await client.send(.get, "/api/v1/admin/audit/events?event=user.create", key: auditor))
                let events = try #require(page["events"] as? [[String: Any]])
                #expect(Set(events.map { $0["subject"] as? String ?? "" }) == ["alice", "=HYPERLINK(\"http://evil\")"], "acme's only")
                #expect((page["chain"] as? [String: Any])?["state"] as? String == "verified")
                #expect(page["has_more"] as? Bool == false)
                let other = try await client.send(.get, "/api/v1/admin/audit/events?tenant=other", key: auditor)
                try expectError(other, .forbidden, "forbidden")
                try expectError(try await client.send(.get, "/api/v1/admin/audit/events?from=yesterday", key: auditor), .badRequest, "invalid_request")
                let dated = try jsonObject(try await client.send(.get, "/api/v1/admin/audit/events?event=user.create&from=2000-01-01&to=2100-01-01T00:00:00Z", key: auditor))
                #expect((dated["events"] as? [Any])?.count == 2, "a day and an RFC 3339 time are both accepted")
                let future = try jsonObject(try await client.send(.get, "/api/v1/admin/audit/events?from=2100-01-01", key: auditor))
                #expect((future["events"] as? [Any])?.isEmpty == true)
                try expectError(try await client.send(.get, "/api/v1/admin/audit/events?page=0", key: auditor), .badRequest, "invalid_request")
                for r in [try await client.send(.get, "/api/v1/admin/audit/events?event=user.create&format=csv", key: auditor),
                          try await client.execute(uri: "/api/v1/admin/audit/events?event=user.create", method: .get,
                                                   headers: [.authorization: "Bearer \(auditor)", .accept: "text/csv"])] {
                    #expect(r.status == .ok)
                    #expect(r.headers[.contentType]?.hasPrefix("text/csv") == true)
                    let csv = String(buffer: r.body)
                    #expect(csv.hasPrefix("time,tenant,chain,seq,actor,subject,event,outcome,reason,source\r\n"))
                    #expect(csv.contains(",\"'=HYPERLINK(\"\"http://evil\"\")\",user.create,"), "\(csv)")
                    #expect(!csv.contains("olga"))
                }
                let chain = try jsonObject(try await client.send(.get, "/api/v1/admin/audit/chain", key: auditor))
                #expect(chain["state"] as? String == "verified")
            }
        }
    }

    @Test("settings: the configuration as YAML; check shows problems with their line, or a diff; apply changes it, audited")
    func settings() async throws {
        try await Fixture.with { fx in
            try await Self.seed(fx)
            let tenantAdmin = try await fx.key(.tenantAdmin, tenant: "acme")
            let auditor = try await fx.key(.auditor, tenant: "acme")
            try await fx.app().test(.router) { client in
                let current = try jsonObject(try await client.send(.get, "/api/v1/admin/tenants/acme/recovery/yaml", key: tenantAdmin))
                let yaml = try #require(current["yaml"] as? String)
                #expect(yaml.contains("tenant: acme"))
                let edited = "tenant: acme\nrecovery:\n  email_domain: acme.example\n"
                let check = try jsonObject(try await client.send(.post, "/api/v1/admin/tenants/acme/recovery/yaml/check", key: tenantAdmin,
                                                                 json: ["yaml": edited]))
                #expect(check["valid"] as? Bool == true)
                #expect(check["changed"] as? Bool == true)
                let diff = try #require(check["diff"] as? [[String: Any]])
                #expect(diff.contains { $0["kind"] as? String == "added" && ($0["text"] as? String)?.contains("email_domain: acme.example") == true })
                let bad = try jsonObject(try await client.send(.post, "/api/v1/admin/tenants/acme/recovery/yaml/check", key: tenantAdmin,
                                                               json: ["yaml": "tenant: acme\nrecovery:\n  no_such_key: 1\n"]))
                #expect(bad["valid"] as? Bool == false)
                #expect((bad["problems"] as? [String])?.first?.contains("line 3") == true, "\(bad)")
                let wrongTenant = try jsonObject(try await client.send(.post, "/api/v1/admin/tenants/acme/recovery/yaml/check", key: tenantAdmin,
                                                                       json: ["yaml": "tenant: other\nrecovery: {}\n"]))
                #expect(wrongTenant["valid"] as? Bool == false)
                try expectError(try await client.send(.get, "/api/v1/admin/tenants/acme/recovery/yaml", key: auditor), .forbidden, "forbidden")
                try expectError(try await client.send(.put, "/api/v1/admin/tenants/acme/recovery/yaml", key: tenantAdmin,
                                                      json: ["yaml": "tenant: acme\nrecovery:\n  no_such_key: 1\n"]), .badRequest, "invalid_request")
                let applied = try jsonObject(try await client.send(.put, "/api/v1/admin/tenants/acme/recovery/yaml", key: tenantAdmin, json: ["yaml": edited]))
                #expect(applied["changed"] as? Bool == true)
                let json = try jsonObject(try await client.send(.get, "/api/v1/admin/tenants/acme/recovery", key: tenantAdmin))
                #expect(json["email_domain"] as? String == "acme.example")
                let again = try jsonObject(try await client.send(.post, "/api/v1/admin/tenants/acme/recovery/yaml/check", key: tenantAdmin,
                                                                 json: ["yaml": edited]))
                #expect(again["changed"] as? Bool == false)
                let events = try await fx.runtime.admin.auditEvents(tenantName: "acme", limit: 5, caller: .cli)
                #expect(events.first?.record.event == "recovery.configure")
            }
        }
    }
}
