import Foundation
import HummingbirdTesting
import LifelineApp
import LifelineCore
import Testing

/// The admin API's import and directory status on a tenant without a directory (the slapd ones are in
/// DirectoryUsersLDAPTests).
@Suite("Admin API: user import and directory status")
struct AdminDirectoryTests {
    @Test("POST …/users/import creates users and lists refused lines; an unknown column is a 400 naming it; a builtin tenant cannot sync")
    func importAndStatus() async throws {
        try await Fixture.with { fx in
            try await fx.tenant()
            try await fx.app().test(.router) { client in
                let csv = "username,email\nann,ann@example.org\nbob,not-an-address\n"
                let r = try await client.send(.post, "/api/v1/admin/tenants/acme/users/import", key: fx.adminKey, json: ["csv": csv])
                #expect(r.status == .ok, "\(String(buffer: r.body))")
                let body = try jsonObject(r)
                #expect(body["created"] as? Int == 1)
                #expect((body["refused"] as? [[String: Any]])?.first?["line"] as? Int == 3)
                let bad = try await client.send(.post, "/api/v1/admin/tenants/acme/users/import", key: fx.adminKey, json: ["csv": "username,colour\nx,red\n"])
                #expect(bad.status == .badRequest && String(buffer: bad.body).contains("colour"))
                let status = try jsonObject(try await client.send(.get, "/api/v1/admin/tenants/acme/directory", key: fx.adminKey))
                #expect(status["type"] as? String == "builtin" && status["users_from_directory"] as? Bool == false)
                #expect(try await client.send(.post, "/api/v1/admin/tenants/acme/directory/sync", key: fx.adminKey).status == .badRequest)
            }
        }
    }
}
