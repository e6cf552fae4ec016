import Foundation
import HummingbirdTesting
import LifelineApp
import LifelineCore
import Testing

/// `/console/directory/{tenant}`: the mapping and the last sync, "Sync now" for a tenant-admin, the CSV import form,
/// refusals for a role without `config.read`.
@Suite("Console: directory users page")
struct ConsoleDirectoryTests {
    @Test("a tenant-admin sees the mapping, runs Sync now against slapd and imports CSV; a helpdesk operator gets 403")
    func page() async throws {
        let tag = UUID().uuidString.prefix(6).lowercased()
        let ou = try DirectoryUsersLDAPTests.organization([("c\(tag)", "c\(tag)@example.org", "+47 912 34 568")])
        try await Fixture.with(configure: { $0.directories = try! DirectoryUsersLDAPTests.connections() }) { fx in
            try await fx.seedRecovery()
            try await DirectoryUsersLDAPTests.useDirectory(fx, baseDN: ou)
            let admin = try await fx.consoleOperator("tina", role: .tenantAdmin, tenants: ["demo"])
            let helen = try await fx.consoleOperator("helen", role: .helpdesk, tenants: ["demo"])
            try await fx.app().test(.router) { client in
                var b = Browser(client)
                try await b.consoleLogin(admin, fx: fx)
                let page = try await b.get("/console/directory/demo")
                #expect(page.status == .ok)
                #expect(html(page).contains("<code>uid</code>") && html(page).contains("<code>preferredLanguage</code>"))
                #expect(html(page).contains("id=\"directory-never\""))
                let sync = try await b.consolePost("/console/directory/demo", action: "/console/directory/demo/sync")
                #expect(sync.status == .seeOther)
                let after = try await b.get(try #require(sync.headers[.location]))
                #expect(html(after).contains("id=\"directory-last-sync\"") && html(after).contains("id=\"directory-notice\""))
                #expect(try await fx.runtime.admin.user(tenantName: "demo", username: "c\(tag)", caller: fx.caller).1.status == .active)

                let imported = try await b.consolePost("/console/directory/demo", action: "/console/directory/demo/import",
                                                       ["csv": "username,phone\nimp\(tag),+420777111222\nbad\(tag),12\n"])
                #expect(imported.status == .ok)
                #expect(html(imported).contains(t("console.directory_refused_line", "en", ["line": "3", "reason": "phone number must be in international form, e.g. +420 777 123 789"])))
                #expect(try await fx.runtime.admin.user(tenantName: "demo", username: "imp\(tag)", caller: fx.caller).1.username == "imp\(tag)")

                var h = Browser(client)
                try await h.consoleLogin(helen, fx: fx)
                #expect(try await h.get("/console/directory/demo").status == .forbidden)
            }
        }
    }

    @Test("the menu names the directory page for a tenant-admin, whose one organization it opens; not for the helpdesk")
    func menuEntry() async throws {
        try await Fixture.with { fx in
            try await fx.seedRecovery()
            let admin = try await fx.consoleOperator("tara", role: .tenantAdmin, tenants: ["demo"])
            let helen = try await fx.consoleOperator("hana", role: .helpdesk, tenants: ["demo"])
            try await fx.app().test(.router) { client in
                var b = Browser(client)
                try await b.consoleLogin(admin, fx: fx)
                #expect(html(try await b.get("/console")).contains("href=\"/console/directory\""))
                let entry = try await b.get("/console/directory")
                #expect(entry.status == .seeOther)
                #expect(entry.headers[.location] == "/console/directory/demo")
                var h = Browser(client)
                try await h.consoleLogin(helen, fx: fx)
                #expect(!html(try await h.get("/console")).contains("href=\"/console/directory\""))
                #expect(try await h.get("/console/directory").status == .forbidden)
            }
        }
    }
}
