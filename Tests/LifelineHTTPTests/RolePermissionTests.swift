import Foundation
import HTTPTypes
import HummingbirdTesting
import LifelineCore
import Testing

/// Issue 14 item 4: every admin route, for every API-key role, either allowed (anything but 403) or refused with the
/// 403 JSON body and no change at all; and each role kept inside its tenant.
@Suite("Roles: what each API key role may do on the admin API")
struct RolePermissionTests {
    /// One admin route and the roles that may call it. `{t}`, `{token}` and `{key}` are filled in per run.
    struct Route: CustomStringConvertible, Sendable {
        let method: HTTPRequest.Method
        let path: String
        let body: String?
        let allowed: Set<Role>
        init(_ method: HTTPRequest.Method, _ path: String, _ allowed: Set<Role>) {
            self.method = method; self.path = path; self.body = nil; self.allowed = allowed
        }
        init(_ method: HTTPRequest.Method, _ path: String, _ body: String, _ allowed: Set<Role>) {
            self.method = method; self.path = path; self.body = body; self.allowed = allowed
        }
        var description: String { "\(method) \(path)" }
    }

    static let readers: Set<Role> = [.admin, .helpdesk, .auditor, .useradmin, .tenantAdmin, .superuser]
    static let helpers: Set<Role> = [.admin, .helpdesk, .useradmin, .tenantAdmin, .superuser]
    /// Who creates and edits users, contacts, tokens and cards.
    static let writers: Set<Role> = [.admin, .useradmin, .tenantAdmin, .superuser]
    /// Who runs an organization: configuration, API keys, the audit log.
    static let tenantAdmins: Set<Role> = [.admin, .tenantAdmin, .superuser]
    static let admins: Set<Role> = [.admin, .superuser]

    /// The table of docs/security.md, route by route. The changes that destroy something come last, so that the
    /// routes before them find what they name.
    static let routes: [Route] = [
        Route(.get, "/tenants", readers),
        Route(.get, "/tenants/{t}/users", readers),
        Route(.get, "/tenants/{t}/users/alice", readers),
        Route(.get, "/tenants/{t}/users/alice/contacts", readers),
        Route(.get, "/tenants/{t}/users/alice/answers", readers),
        Route(.get, "/tenants/{t}/tokens", readers),
        Route(.get, "/tenants/{t}/tokens/{token}", readers),
        Route(.get, "/tenants/{t}/cards", readers),
        Route(.get, "/tenants/{t}/users/alice/cards", readers),
        Route(.get, "/tenants/{t}/users/alice/emergency-code", readers),
        Route(.get, "/tenants/{t}/users/alice/recovery-budget", readers),
        Route(.get, "/audit?tenant={t}", [.admin, .auditor, .tenantAdmin, .superuser]),
        Route(.get, "/tenants/{t}/recovery", tenantAdmins),
        Route(.get, "/apikeys", tenantAdmins),
        Route(.get, "/users?q=alice", readers),
        Route(.get, "/tenants/{t}/users/alice/details", readers),
        Route(.get, "/dashboard", readers),
        Route(.get, "/audit/events?tenant={t}", [.admin, .auditor, .tenantAdmin, .superuser]),
        Route(.get, "/audit/events?tenant={t}&format=csv", [.admin, .auditor, .tenantAdmin, .superuser]),
        Route(.get, "/audit/chain", [.admin, .auditor, .tenantAdmin, .superuser]),
        Route(.get, "/tenants/{t}/recovery/yaml", tenantAdmins),
        Route(.post, "/tenants/{t}/recovery/yaml/check", #"{"yaml":"tenant: acme\nrecovery: {}\n"}"#, tenantAdmins),
        Route(.get, "/operators", tenantAdmins),
        Route(.post, "/operators", #"{"name":"op-{run}","role":"auditor","tenants":["acme"]}"#, tenantAdmins),
        Route(.post, "/operators/op-{run}/disable", tenantAdmins),
        Route(.get, "/tenants/{t}/directory", tenantAdmins),
        Route(.post, "/tenants/{t}/directory/sync", tenantAdmins),
        Route(.post, "/tenants/{t}/tokens/{token}/disable", helpers),
        Route(.post, "/tenants/{t}/tokens/{token}/enable", helpers),
        Route(.post, "/tenants/{t}/tokens/{token}/reset", helpers),
        Route(.post, "/tenants/{t}/tokens/{token}/resync", #"{"code1":"000000","code2":"000001"}"#, helpers),
        // Issue 17: the lost-token temporary replacement (permission tokens.lost).
        Route(.post, "/tenants/{t}/tokens/{token}/lost", helpers),
        Route(.delete, "/tenants/{t}/tokens/{token}/lost", helpers),
        Route(.delete, "/tenants/{t}/users/alice/emergency-code", helpers),
        Route(.delete, "/tenants/{t}/users/alice/recovery-budget", helpers),
        Route(.get, "/tenants/{t}/users/alice/caller-verification", helpers),
        Route(.post, "/tenants/{t}/users/alice/caller-verification", "{}", helpers),
        Route(.post, "/tenants/{t}/users/alice/caller-verification/check", #"{"code":"000000"}"#, helpers),
        Route(.post, "/tenants/{t}/users/alice/helpdesk/token_reset", #"{"reason":"T-1"}"#, helpers),
        Route(.post, "/tenants/{t}/users/alice/helpdesk/budget_lift", #"{"reason":"T-1"}"#, helpers),
        Route(.post, "/tenants/{t}/users/alice/helpdesk/helpdesk_code", #"{"reason":"T-1"}"#, helpers),
        Route(.get, "/tenants/{t}/users/alice/authenticator", readers),
        Route(.post, "/tenants/{t}/users/alice/authenticator/activations", helpers),
        Route(.post, "/tenants/{t}/users/alice/helpdesk/pin_block", #"{"reason":"T-1"}"#, helpers),
        Route(.post, "/tenants/{t}/users/alice/helpdesk/ubc_display", #"{"reason":"T-1"}"#, helpers),
        Route(.post, "/tenants/{t}/users/alice/helpdesk/pin_reset_present", #"{"reason":"T-1"}"#, helpers),
        Route(.get, "/tenants/{t}/agents", readers),
        Route(.post, "/tenants/{t}/agents", #"{"name":"agent-{run}"}"#, tenantAdmins),
        Route(.get, "/tenants/{t}/users/alice/offline", readers),
        Route(.delete, "/tenants/{t}/users/alice/offline", tenantAdmins),
        Route(.get, "/tenants/{t}/tokens/{token}/offline-emergency", helpers),
        Route(.post, "/tenants/{t}/tokens/{token}/offline-emergency/reset", helpers),
        Route(.put, "/tenants/{t}/tokens/{token}/offline-emergency", #"{"online_use":false}"#, helpers),
        Route(.get, "/tenants/{t}/users/alice/groups", readers),
        Route(.put, "/tenants/{t}/users/alice/groups", #"{"groups":["g-{run}"]}"#, writers),
        Route(.get, "/approvals", readers),
        Route(.post, "/approvals/00000000-0000-0000-0000-000000000000/approve", helpers),
        Route(.post, "/approvals/00000000-0000-0000-0000-000000000000/reject", helpers),
        Route(.post, "/tenants", #"{"name":"made-{run}"}"#, admins),
        Route(.post, "/tenants/{t}/users", #"{"username":"made-{run}"}"#, writers),
        Route(.patch, "/tenants/{t}/users/alice", #"{"display_name":"Alice {run}"}"#, writers),
        Route(.post, "/tenants/{t}/users/import", #"{"csv":"username\nimported-{run}\n"}"#, writers),
        Route(.post, "/tenants/{t}/users/alice/contacts", #"{"kind":"email","value":"a{run}@example.com"}"#, writers),
        Route(.put, "/tenants/{t}/users/alice/answers", #"{"answers":{}}"#, writers),
        Route(.post, "/tenants/{t}/users/alice/tokens", #"{"type":"totp"}"#, writers),
        Route(.post, "/tenants/{t}/tokens/{token}/check", #"{"code":"000000"}"#, writers),
        Route(.post, "/tenants/{t}/users/alice/cards", #"{"serial":"C-{run}","algorithm":"aes128","key":"00112233445566778899aabbccddeeff"}"#, writers),
        Route(.delete, "/tenants/{t}/cards/C-{run}", writers),
        Route(.delete, "/tenants/{t}/users/alice/contacts/5c2a1e3b-7d4f-4a6b-8c9d-0e1f2a3b4c5d", writers),
        Route(.put, "/tenants/{t}/recovery", "{}", tenantAdmins),
        Route(.put, "/tenants/{t}/recovery/yaml", #"{"yaml":"tenant: acme\nrecovery: {}\n"}"#, tenantAdmins),
        Route(.delete, "/apikeys/{key}", tenantAdmins),
        Route(.delete, "/tenants/{t}/tokens/{token}", writers),
    ]

    /// Everything a refused request could change: the audit log (every change is audited in its transaction) and
    /// the users, contacts, tokens and cards as an administrator reads them.
    static func snapshot(_ fx: Fixture) async throws -> String {
        let admin = fx.runtime.admin
        let events = try await admin.auditEvents(tenantName: nil, limit: 1000, caller: .cli)
        let (_, users) = try await admin.listUsers(tenantName: "acme", caller: .cli)
        let (_, tokens, _) = try await admin.listTokens(tenantName: "acme", username: nil, caller: .cli)
        let (_, cards, _) = try await admin.listCards(tenantName: "acme", username: nil, caller: .cli)
        let contacts = try await admin.contacts(tenantName: "acme", username: "alice", caller: .cli)
        let tenants = try await admin.listTenants(caller: .cli)
        return "\(events.count) \(events.map { "\($0.chain)#\($0.seq)" }) \(users) \(tokens) \(cards) \(contacts) \(tenants.map(\.name))"
    }

    @Test("each role, global: allowed routes answer anything but 403; refused ones 403 with the JSON body and change nothing",
          arguments: Role.allCases)
    func globalKeys(_ role: Role) async throws {
        try await Fixture.with { fx in
            let token = try await fx.seedAlice()
            let key = try await fx.key(role, tenant: nil)
            let victim = try await fx.key(.validate, tenant: nil)
            try await fx.app().test(.router) { client in
                for route in Self.routes {
                    let path = "/api/v1/admin" + route.path.replacingOccurrences(of: "{t}", with: "acme")
                        .replacingOccurrences(of: "{token}", with: token.uuidString.lowercased())
                        .replacingOccurrences(of: "{key}", with: String(victim.split(separator: "_")[1]))
                        .replacingOccurrences(of: "{run}", with: role.rawValue)
                    let body = route.body?.replacingOccurrences(of: "{run}", with: role.rawValue)
                    let before = try await Self.snapshot(fx)
                    let r = try await client.send(route.method, path, key: key, body: body)
                    if route.allowed.contains(role) {
                        #expect(r.status != .forbidden, "\(role) \(route): \(String(buffer: r.body))")
                    } else {
                        try expectError(r, .forbidden, "forbidden")
                        #expect(try await Self.snapshot(fx) == before, "\(role) \(route) changed something")
                    }
                }
            }
        }
    }

    @Test("only a validate key may validate", arguments: Role.allCases)
    func validateRoute(_ role: Role) async throws {
        try await Fixture.with { fx in
            try await fx.seedAlice()
            let key = try await fx.key(role, tenant: nil)
            try await fx.app().test(.router) { client in
                let before = try await Self.snapshot(fx)
                let r = try await client.send(.post, "/api/v1/validate", key: key, json: ["tenant": "acme", "username": "alice", "code": fx.totp()])
                if role == .validate {
                    #expect(r.status == .ok)
                    #expect(try jsonObject(r)["result"] as? String == "accept")
                } else {
                    try expectError(r, .forbidden, "forbidden")
                    #expect(try await Self.snapshot(fx) == before)
                }
            }
        }
    }

    @Test("each role, scoped to acme: every route naming another tenant, existing or not, is 403; its own tenant as the table says",
          arguments: Role.allCases)
    func tenantScope(_ role: Role) async throws {
        try await Fixture.with { fx in
            let token = try await fx.seedAlice()
            try await fx.tenant("other")
            try await fx.user("olga", tenant: "other")
            let otherToken = try await fx.token(username: "olga", tenant: "other")
            let key = try await fx.key(role, tenant: "acme")
            try await fx.app().test(.router) { client in
                for route in Self.routes where route.path.contains("{t}") {
                    for tenant in ["other", "nowhere"] {
                        let path = "/api/v1/admin" + route.path.replacingOccurrences(of: "{t}", with: tenant)
                            .replacingOccurrences(of: "alice", with: "olga")
                            .replacingOccurrences(of: "{token}", with: otherToken.uuidString.lowercased())
                            .replacingOccurrences(of: "{run}", with: role.rawValue)
                        let before = try await Self.snapshot(fx)
                        let r = try await client.send(route.method, path, key: key, body: route.body?.replacingOccurrences(of: "{run}", with: role.rawValue))
                        try expectError(r, .forbidden, "forbidden")
                        #expect(try await Self.snapshot(fx) == before, "\(role) \(route) on \(tenant) changed something")
                    }
                }
                // Its own tenant: a read the role may do works, and the tenant list shows only acme.
                if Self.readers.contains(role) {
                    let r = try await client.send(.get, "/api/v1/admin/tenants/acme/tokens/\(token.uuidString.lowercased())", key: key)
                    #expect(r.status == .ok)
                    let tenants = try jsonList(try await client.send(.get, "/api/v1/admin/tenants", key: key), "tenants")
                    #expect(tenants.map { $0["name"] as? String } == ["acme"])
                }
                // Validation, for a validate key of acme, works for acme only.
                let v = try await client.send(.post, "/api/v1/validate", key: key, json: ["tenant": "other", "username": "olga", "code": fx.totp()])
                try expectError(v, .forbidden, "forbidden")
                if role == .validate {
                    #expect(try await client.validate(fx.totp(), key: key) == "accept")
                }
            }
        }
    }

    @Test("an auditor reads the audit log but writes nothing: each write route is 403 and the log gains no event")
    func auditorReadsButNeverWrites() async throws {
        try await Fixture.with { fx in
            try await fx.seedAlice()
            let auditor = try await fx.key(.auditor, tenant: nil)
            try await fx.app().test(.router) { client in
                let events = try jsonList(try await client.send(.get, "/api/v1/admin/audit?tenant=acme", key: auditor), "events")
                #expect(events.contains { $0["event"] as? String == "user.create" })
                let before = try await Self.snapshot(fx)
                let r = try await client.send(.post, "/api/v1/admin/tenants/acme/users", key: auditor, json: ["username": "mallory"])
                try expectError(r, .forbidden, "forbidden")
                #expect(try await Self.snapshot(fx) == before)
                try expectError(try await client.send(.get, "/api/v1/admin/tenants/acme/users/mallory", key: fx.adminKey), .notFound, "not_found")
            }
        }
    }

    @Test("the API key list shows each key's role, and scope as before (the API it calls)")
    func listShowsRole() async throws {
        try await Fixture.with { fx in
            _ = try await fx.key(.helpdesk, tenant: nil)
            _ = try await fx.key(.auditor, tenant: nil)
            try await fx.app().test(.router) { client in
                let keys = try jsonList(try await client.send(.get, "/api/v1/admin/apikeys", key: fx.adminKey), "api_keys")
                let pairs = keys.map { "\($0["role"] as? String ?? "?")/\($0["scope"] as? String ?? "?")" }
                // Made at one instant by the test clock, so listed in id order: compared as a set.
                #expect(pairs.count == 4)
                #expect(Set(pairs) == ["admin/admin", "validate/validate", "helpdesk/admin", "auditor/admin"])
            }
        }
    }
}
