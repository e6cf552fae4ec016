import Foundation
import Hummingbird
import HummingbirdTesting
import HTTPTypes
import LifelineApp
import LifelineCore
import Testing

/// The useradmin console pages (issue 15): create a user, edit its profile and contacts, enroll and delete tokens,
/// import and delete cards — through the admin use cases, audited with the operator, refused to roles without the
/// permission and outside the operator's tenants.
@Suite("Console: user administration")
struct ConsoleUserAdminTests {
    @Test("a useradmin creates a user in its tenant, adds and removes a contact, edits the profile; each change audited with the operator")
    func createAndEditUser() async throws {
        try await Fixture.with { fx in
            try await fx.tenant()
            let ulla = try await fx.consoleOperator("ulla", role: .useradmin)
            try await fx.app().test(.router) { client in
                var b = Browser(client)
                try await b.consoleLogin(ulla, fx: fx)
                let newPage = try await b.get("/console/users/new")
                #expect(newPage.status == .ok)
                #expect(html(newPage).contains("<option value=\"acme\" selected>"))
                let created = try await b.submit(newPage, action: "/console/users/new",
                                                 ["tenant": "acme", "username": "dana", "display_name": "Dana Nová", "language": "cs"])
                #expect(created.status == .seeOther)
                #expect(created.headers[.location] == "/console/users/acme/dana/edit?done=created")
                var edit = try await b.get("/console/users/acme/dana/edit?done=created")
                #expect(edit.status == .ok)
                #expect(html(edit).contains(t("console.useradmin_done_created")))
                let added = try await b.submit(edit, action: "/console/users/acme/dana/contacts",
                                               ["kind": "email", "value": "dana@example.org", "verified": "1"])
                #expect(added.headers[.location] == "/console/users/acme/dana/edit?done=contact_added")
                let contacts = try await fx.runtime.admin.contacts(tenantName: "acme", username: "dana", caller: .cli)
                #expect(contacts.map(\.value) == ["dana@example.org"] && contacts.first?.verified == true)
                edit = try await b.get("/console/users/acme/dana/edit")
                #expect(html(edit).contains("data-contact=\"dana@example.org\""))
                let id = try #require(contacts.first?.id.uuidString.lowercased())
                let removed = try await b.submit(edit, action: "/console/users/acme/dana/contacts/\(id)/delete", [:])
                #expect(removed.headers[.location] == "/console/users/acme/dana/edit?done=contact_removed")
                #expect(try await fx.runtime.admin.contacts(tenantName: "acme", username: "dana", caller: .cli).isEmpty)
                let saved = try await b.submit(edit, action: "/console/users/acme/dana/edit",
                                               ["display_name": "Dana N.", "language": "nb", "status": "disabled"])
                #expect(saved.headers[.location] == "/console/users/acme/dana/edit?done=profile")
                let (_, user) = try await fx.runtime.admin.user(tenantName: "acme", username: "dana", caller: .cli)
                #expect(user.displayName == "Dana N." && user.language == "nb" && user.status == .disabled)
                // A bad number shows the form again with a translated message; nothing is added.
                let bad = try await b.submit(edit, action: "/console/users/acme/dana/contacts", ["kind": "phone", "value": "not a number"])
                #expect(bad.status == .badRequest && html(bad).contains(t("console.useradmin_error_contact")))
                // The same username again: refused with its own message.
                let again = try await b.submit(newPage, action: "/console/users/new", ["tenant": "acme", "username": "DANA"])
                #expect(again.status == .badRequest && html(again).contains(t("console.useradmin_error_exists")))
            }
            let events = try await fx.runtime.store.recentEvents(tenant: "acme", limit: 50)
                .filter { ["user.create", "contact.add", "contact.remove", "user.update"].contains($0.record.event) }
            #expect(Set(events.map(\.record.event)) == ["user.create", "contact.add", "contact.remove", "user.update"])
            #expect(events.allSatisfy { $0.record.actor == "operator:ulla" })
        }
    }

    @Test("a helpdesk is refused the edit and new-user pages and their POSTs; a useradmin is refused users of other tenants")
    func refusals() async throws {
        try await Fixture.with { fx in
            try await fx.seedAlice()
            try await fx.tenant("other")
            try await fx.user("olga", tenant: "other")
            let helen = try await fx.consoleOperator("helen", role: .helpdesk)
            let ulla = try await fx.consoleOperator("ulla", role: .useradmin)
            try await fx.app().test(.router) { client in
                var h = Browser(client)
                try await h.consoleLogin(helen, fx: fx)
                #expect(try await h.get("/console/users/acme/alice/edit").status == .forbidden)
                #expect(try await h.get("/console/users/new").status == .forbidden)
                // A forged form (the helpdesk's own CSRF token from its sessions page) is refused by the use case too.
                let sessions = try await h.get("/console/sessions")
                let csrf = try #require(h.hiddenFields(sessions, action: "/console/logout")["csrf_token"])
                let forged = try await h.post("/console/users/acme/alice/contacts", ["csrf_token": csrf, "kind": "email", "value": "x@example.org"])
                #expect(forged.status == .forbidden)
                var u = Browser(client)
                try await u.consoleLogin(ulla, fx: fx)
                #expect(try await u.get("/console/users/acme/alice/edit").status == .ok)
                #expect(try await u.get("/console/users/other/olga/edit").status == .forbidden)
                let newPage = try await u.get("/console/users/new")
                #expect(!html(newPage).contains("value=\"other\""))
                let elsewhere = try await u.submit(newPage, action: "/console/users/new", ["tenant": "other", "username": "mallory"])
                #expect(elsewhere.status == .forbidden)
            }
            #expect(try await fx.runtime.admin.contacts(tenantName: "acme", username: "alice", caller: .cli).isEmpty)
            #expect(try await fx.runtime.store.user(tenantID: try await fx.runtime.admin.tenant("other", caller: .cli).id, username: "mallory") == nil)
        }
    }

    @Test("enrolling a token asks for re-authentication, shows the secret and QR code once, and the token validates; delete removes it")
    func enrolAndDeleteToken() async throws {
        try await Fixture.with { fx in
            try await fx.tenant()
            try await fx.user("dana")
            let ulla = try await fx.consoleOperator("ulla", role: .useradmin)
            try await fx.app().test(.router) { client in
                var b = Browser(client)
                try await b.consoleLogin(ulla, fx: fx)
                let first = try await b.get("/console/users/acme/dana/tokens/new")
                #expect(first.status == .seeOther && first.headers[.location] == "/console/reauth?next=/console/users/acme/dana/tokens/new")
                let reauth = try await b.get("/console/reauth?next=/console/users/acme/dana/tokens/new")
                _ = try await b.submit(reauth, action: "/console/reauth", ["code": fx.freshCode(ulla)])
                let form = try await b.get("/console/users/acme/dana/tokens/new")
                #expect(form.status == .ok)
                let created = try await b.submit(form, action: "/console/users/acme/dana/tokens/new", ["type": "totp", "label": "phone"])
                #expect(created.status == .ok)
                #expect(created.headers[.cacheControl] == "no-store")
                let page = html(created)
                #expect(page.contains("<svg"))
                let secretText = try #require(page.firstMatch(of: /data-secret="([A-Z2-7]+)"/)).1
                let secret = try #require(Base32.decode(String(secretText)))
                let key = try await fx.key(.validate, tenant: "acme")
                #expect(try await client.validate(fx.totp(secret: secret), user: "dana", key: key) == "accept")
                let edit = try await b.get("/console/users/acme/dana/edit")
                let (_, tokens, _) = try await fx.runtime.admin.listTokens(tenantName: "acme", username: "dana", caller: .cli)
                let id = try #require(tokens.first?.id.uuidString.lowercased())
                #expect(html(edit).contains("data-token=\"\(id)\""))
                let deleted = try await b.submit(edit, action: "/console/users/acme/dana/tokens/\(id)/delete", [:])
                #expect(deleted.headers[.location] == "/console/users/acme/dana/edit?done=token_deleted")
                #expect(try await fx.runtime.admin.listTokens(tenantName: "acme", username: "dana", caller: .cli).1.isEmpty)
            }
            let enrol = try await fx.runtime.store.recentEvents(tenant: "acme", limit: 50).filter { $0.record.event == "token.enroll" }
            #expect(enrol.first?.record.actor == "operator:ulla")
        }
    }

    @Test("a card is imported with its key and deleted; a bad key is refused with a message")
    func importAndDeleteCard() async throws {
        try await Fixture.with { fx in
            try await fx.tenant()
            try await fx.user("dana")
            let ulla = try await fx.consoleOperator("ulla", role: .useradmin)
            try await fx.app().test(.router) { client in
                var b = Browser(client)
                try await b.consoleLogin(ulla, fx: fx)
                let edit = try await b.get("/console/users/acme/dana/edit")
                let bad = try await b.submit(edit, action: "/console/users/acme/dana/cards", ["serial": "C-1", "algorithm": "aes128", "key": "00"])
                #expect(bad.status == .badRequest && html(bad).contains(t("console.useradmin_error_card")))
                let ok = try await b.submit(edit, action: "/console/users/acme/dana/cards",
                                            ["serial": "C-1", "algorithm": "aes128", "key": "2B7E151628AED2A6ABF7158809CF4F3C"])
                #expect(ok.headers[.location] == "/console/users/acme/dana/edit?done=card_imported")
                let after = try await b.get("/console/users/acme/dana/edit")
                #expect(html(after).contains("data-card=\"C-1\""))
                #expect(!html(after).contains("2B7E151628AED2A6ABF7158809CF4F3C"))
                let deleted = try await b.submit(after, action: "/console/users/acme/dana/cards/C-1/delete", [:])
                #expect(deleted.headers[.location] == "/console/users/acme/dana/edit?done=card_deleted")
                #expect(try await fx.runtime.admin.listCards(tenantName: "acme", username: "dana", caller: .cli).1.isEmpty)
            }
        }
    }
}
